"""The ledger: the device's SQLite store and the business steps that write it.

Everything that changes the device's data happens in a business step: the one write lock held and
one SQLite transaction open (`Ledger.step()`), so an order, its lines, its print jobs and its
outbox event are committed together or not at all. Capabilities (cashier, payments, technician,
sync) receive a `Ledger` and a publish callable, never the core's service object.
"""
