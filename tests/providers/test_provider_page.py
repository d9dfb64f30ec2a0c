"""The provider's admin page: the account's help text, and what billing staff may read."""

from django.urls import reverse


def test_the_account_help_text_shows_its_placeholder(client, harbour, harbour_admin):
    """Defect 6: "CTOP_<account>_…" was drawn as HTML, so the page said "CTOP__…"."""
    client.force_login(harbour_admin)
    body = client.get(reverse("admin:providers_provider_change", args=[harbour.pk])).content.decode()
    assert "CTOP_&lt;account&gt;_" in body


def test_billing_reads_the_provider_without_empty_password_fields(client, harbour, harbour_billing):
    """Defect 10: the read-only page showed "New ftp password: None" and "Clear ftp password: None"."""
    client.force_login(harbour_billing)
    body = client.get(reverse("admin:providers_provider_change", args=[harbour.pk])).content.decode()
    assert "FTP password" in body  # whether one is stored, still said
    assert "new_ftp_password" not in body and "clear_ftp_password" not in body
    assert "New ftp password" not in body and "Clear ftp password" not in body
