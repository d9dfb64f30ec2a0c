"""Collection of AAPT files over FTP/FTPS: the client and the daily schedule.

The rules (what to fetch, retries, the lock, the record) live in
``usage.collection.collector``; the flags for late files and sequence gaps in
``usage.collection.selectors``.
"""
