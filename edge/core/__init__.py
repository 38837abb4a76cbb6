"""Edge core daemon: owns the database and hardware, serves the local API."""
