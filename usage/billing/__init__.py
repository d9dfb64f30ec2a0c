"""Bill runs: prices, pro-ration, preview, close, exports (see usage/billing/models.py)."""
