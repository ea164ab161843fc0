"""Clicks: the /go/ redirect and the direct-link ping, the link cache, recording each
click once (queue, database, spool), visitor keys, the roll-ups and retention.

Imports only ``affiliates.links`` (and the shared modules). Enforced by import-linter.
Nothing here may be imported by a migration but ``count_function``, which imports nothing.
"""
