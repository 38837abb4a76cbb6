"""The wire shared by device and upstream: canonical JSON, request signing, PIN hashes, the
enrollment code, crash points for the chaos tests, and the in-process HTTP server thread both
sides serve their API with. Imports only the domain modules and the standard library (plus
cryptography and uvicorn), never a device or upstream module (pyproject.toml contracts)."""
