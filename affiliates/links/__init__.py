"""Links: partners, the affiliate links editors manage, and where a link leads.

The bottom of the app: imports no other part of ``affiliates`` but its shared modules
(``permissions``, ``days``, ``spreadsheets``, ``admin_display``). Everything else builds
on it. Enforced by the import-linter contracts in pyproject.toml (``make lint``).
"""
