"""careersite's affiliate links: one Django app, a sub-package per concern.

Dependencies point one way, top to bottom:

- the app shell: ``apps``, ``models`` (re-exports only), ``signal_handlers``,
  ``wagtail_hooks``, ``admin_urls``, ``urls``, ``snippets``, ``blocks``,
  ``page_content``, ``templatetags``, ``management``: may import anything below;
- ``reports``: imports ``clicks`` and ``links``;
- ``earnings``: conversions networks report, tied to clicks: imports ``clicks`` and
  ``links``;
- ``content``, ``clicks``, ``health``, ``importing``: import only ``links``, never
  each other;
- ``links``: imports no other sub-package;
- the shared modules ``permissions``, ``days``, ``spreadsheets``, ``admin_display``:
  import nothing of the app.

No import waits inside a function to dodge a cycle; the one exception is
``AffiliatesConfig.ready``, where Django's app loading requires it. The import-linter
contracts in pyproject.toml hold these rules (``make lint``).
"""
