"""Sync with upstream: outbox, upstream client, signing, enrollment, downstream commands."""
