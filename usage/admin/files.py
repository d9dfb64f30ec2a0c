"""Carrier files and layouts in the admin."""
