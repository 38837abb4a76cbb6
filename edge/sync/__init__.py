"""Sync with upstream: outbox batches, the upstream client, enrollment, downstream commands
(the wire they speak -- signing, canonical JSON, the enrollment code -- is edge.protocol)."""
