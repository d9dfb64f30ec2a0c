"""The shared kernel: small, app-neutral helpers every app may use.

Secrets (the FTP password's encryption), money and date formats, spreadsheet
text sanitising, upload limits, admin mixins, charts and date spans.

Its rule: ``ssaas.common`` imports only the standard library, Django and
third-party packages, never ``providers``, ``provisioning``, ``usage`` nor any
other part of ``ssaas``; and it is the only part of ``ssaas`` an app may import
(tests/ssaas/test_architecture.py holds both ends of the rule).
"""
