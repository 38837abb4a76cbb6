"""Printing: ticket layout, CJK encoding, ESC/POS building, transports, simulator."""
