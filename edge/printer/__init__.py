"""Device printing: ticket layout, CJK encoding, ESC/POS building, transports, the print spool."""
