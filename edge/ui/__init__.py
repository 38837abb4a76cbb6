"""Textual UI: a pure client of the core's local API (of edge/ it imports only edge.money).

- `kiosk_app.py`: the customer kiosk (`create_app`, also the entry for the cashier and
  technician modes); its screens are in `screens/` (`kiosk_screen.py`: their base, and the
  `Kiosk` protocol they see the app through), its order state in `order_draft.py`.
- `cashier/`: the cashier screens, their own app or over the kiosk.
- `technician/`: provisioning and diagnostics, their own app or over the kiosk.
- Shared: `core_client.py` (HTTP + SSE), `core_events.py` and `worker_messages.py` (the event
  stream and what worker threads post), `wedge_decoder.py` and `wedge_keys.py` (keyboard-wedge
  scanners), `i18n.py`, `menu_view.py`, `scans.py`, `widgets/`.
"""
