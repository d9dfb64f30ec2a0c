"""AAPT's BroadWorks utilisation report: what each group was assigned, uploaded
and kept beside the reconciliation."""
