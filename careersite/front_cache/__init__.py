"""Purging the front cache (Varnish) when pages change; see docs/deployment.md."""
