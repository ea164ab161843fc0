"""Health: where each link's destination leads now, the checker and its report.

Imports only ``affiliates.links`` (and the shared modules). Enforced by import-linter.
"""
