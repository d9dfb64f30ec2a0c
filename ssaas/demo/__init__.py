"""The demo: the providers, customers, services, plans, users, orders and sample
files a fresh installation shows (``manage.py loaddemo``).

Part of the composition root: it may import every app, and no app imports it.
"""
