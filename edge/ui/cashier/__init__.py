"""Cashier mode: Textual screens (a pure client of the core's /v1/cashier API)."""
