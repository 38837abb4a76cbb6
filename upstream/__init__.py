"""Matou upstream: the reference server devices sync with (console script `edge-upstream`)."""
