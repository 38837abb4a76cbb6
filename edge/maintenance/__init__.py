"""Device upkeep run by technicians and timers: database backups, the clock check, the web UI.

Nothing here runs inside the core. Each module imports only the standard library (and
click in cli.py) at import time, so registering these commands costs the CLI nothing.
"""
