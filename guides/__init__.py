"""Guides: the reader's site, its page types, blocks, navigation, feeds and page cache.

Dependencies point one way: entry points (``apps``, ``views``, ``templatetags``,
``management``) over ``models``, over ``feeds``, ``navigation`` and ``blocks`` (which
take the page models or querysets they need as arguments), over ``seo``, ``page_cache``
and ``demo_content``. The import-linter contract in pyproject.toml holds it (``make lint``).
"""
