"""Earnings: the sales networks report for our clicks (conversions), how they are
imported and received, and how they are tied back to the link and page clicked.

Imports ``clicks`` (to find the click a conversion names) and ``links``.
"""
