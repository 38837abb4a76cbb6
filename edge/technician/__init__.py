"""The technician's side of the device: `edge doctor`, `edge logs export`, LAN printer scan,
provisioning settings and the technician PIN (docs/technician.md).

Nothing here imports textual (the screens are in edge/ui/technician, clients of the core's
API) and heavy libraries (requests, cv2) load inside the functions that need them.
"""
