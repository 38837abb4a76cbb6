"""Technician mode: provisioning and diagnostics screens, clients of the core's API.

`edge ui --mode technician` runs `TechnicianApp` (any terminal, SSH included, 80x24 and up);
the kiosk opens the same screens over itself after a long press on its title or the hidden
key (ctrl+t), then a PIN (edge/ui/technician/kiosk_entry.py). Every input is a digit keypad or a
button: no keyboard is needed beyond digits.
"""
