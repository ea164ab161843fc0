"""Content: the disclosure page and notice, affiliate links in rich text, the editor's
button, and the rule that no undisclosed page goes live.

Imports only ``affiliates.links`` (and the shared modules). Enforced by import-linter.
"""
