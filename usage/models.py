"""Carrier files and what they bill: usage records, quarantine, other charges."""
