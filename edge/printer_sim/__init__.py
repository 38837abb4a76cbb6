"""The printer emulator: a virtual ESC/POS network printer for the demo, tests and benchmarks.

`simulator` (the TCP printer and its faults), `escpos_decode` (bytes -> tickets as text and the
status replies of `status_replies`, command lengths from `escpos_commands`), `png` (a ticket as
paper), `control` (its HTTP control API) and `cli` (`edge printer-sim`). It may use the device's
printing code (`edge.printer`); the device never imports it.
"""
