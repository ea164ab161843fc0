"""Importing: links from CSV, planned and previewed before anything changes; the admin
upload and ``manage.py import_affiliate_links`` share the same core (``plan``).

Imports only ``affiliates.links`` (and the shared modules). Enforced by import-linter.
"""
