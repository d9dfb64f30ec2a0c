"""Bill runs: prices, pro-ration, preview, close, exports (see usage/models/billing.py)."""
