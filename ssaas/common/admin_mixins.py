"""Small admin mixins shared by the apps."""


class ReadOnlyAdminMixin:
    """For a ModelAdmin or inline of rows that only processing writes: staff with
    the view permission look, nobody adds, edits or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
