"""Writers of AAPT's files (CTOP, COCE), for tests and benchmarks: real files
built line by line from the layouts, never typed by hand."""
