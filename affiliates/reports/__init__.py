"""Reports: the click report, a link's clicks, the dashboard panel, charts and exports.

Imports ``affiliates.clicks`` and ``affiliates.links`` (and the shared modules), never
``content``, ``health`` or ``importing``. Enforced by import-linter.
"""
