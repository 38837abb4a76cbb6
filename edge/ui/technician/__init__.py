"""Technician mode: provisioning and diagnostics screens, clients of the core's API.

`edge ui --mode technician` runs `TechnicianApp` (technician_app.py; any terminal, SSH
included, 80x24 and up); the kiosk opens the same screens over itself after a long press on its
title or the hidden key (ctrl+t), then a PIN (kiosk_entry.py). Every input is a digit keypad or
a button: no keyboard is needed beyond digits.

Imports go one way: technician_app.py / kiosk_entry.py → screens.py (`SCREENS`) →
technician_home.py → the screens (pin, diagnostics, provision, printers, stations, camera) →
wizard.py → technician_screen.py (labels, session, keypad, base screen, leave) →
technician_client.py.
"""
