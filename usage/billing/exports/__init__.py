"""What leaves the system from a bill run, one module per file: the ledger's
invoices (:mod:`.xero`, Xero's sales-invoice CSV), the itemised calls
(:mod:`.calls`, CSV, streamed) and the run summary (:mod:`.summary`, XLSX).
:mod:`.close` writes the three into a folder, made with the close or afterwards.

All three are built from what the run stored (its invoices, its lines and the
records its watermarks bill), so a download today and one next year are the
same file. Made with the close (:class:`.close.CloseFiles`), the Xero CSV and
the summary read the lines the close has just written from memory instead: the
same tuples (``LINE_FIELDS``), the same files (tested).
"""
