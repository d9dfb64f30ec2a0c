"""An admin whose add page uploads a file to a service (COCE files, BroadWorks
reports), and whose change page shows what became of it."""

from __future__ import annotations

from django import forms
from unfold.widgets import UnfoldAdminFileFieldWidget

from providers.scoping import ProviderScopedAdmin
from ssaas.common.limits import upload_refusal
from usage.carrier_files.receive import UnsafeFileName, check_file_name


class UploadForm(forms.ModelForm):
    """A provider (the admin offers only the user's) and a file with a plain name."""

    # Unfold's file widget: its script writes the chosen file's name into the
    # widget's text box, and failed on a plain file input.
    upload = forms.FileField(label="file", widget=UnfoldAdminFileFieldWidget)

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        refusal = upload_refusal(upload)
        if refusal:
            raise forms.ValidationError(refusal)
        try:
            check_file_name(upload.name)
        except UnsafeFileName as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class UploadAdmin(ProviderScopedAdmin):
    """The add page uploads a file (``upload_form`` with ``upload_fields``) and
    ``upload()`` hands it to its service; the change page shows what became of it."""

    upload_form: type[UploadForm]
    upload_fields: list[str]

    def get_fields(self, request, obj=None):
        return self.upload_fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.upload_form
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def upload(self, request, data: dict):
        raise NotImplementedError

    def save_form(self, request, form, change):
        return self.upload(request, form.cleaned_data)

    def save_model(self, request, obj, form, change):
        """Stored by ``upload()`` through its service."""

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited with an upload."""
