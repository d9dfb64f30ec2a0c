"""Usage records and the quarantine in the admin."""
