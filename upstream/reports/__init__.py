"""The merchant's data: each dashboard figure for a store and a period (a day, a week, a month in
Beijing time) and the period before it, from SQL on the upstream's database (both engines), and
the customer segments. `periods` names the periods, `figures` computes them, `segments` sorts the
members. Unpaid, voided and refunded money never counts as revenue."""
