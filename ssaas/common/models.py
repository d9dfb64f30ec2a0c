"""Model building blocks shared by the apps."""

from django.db import models


class SubsetManager(models.Manager):
    """The rows matching ``condition`` (a ``Q``): the manager of a proxy model that
    lists a subset of its table (quarantined records, COCE files …)."""

    def __init__(self, condition: models.Q):
        super().__init__()
        self.condition = condition

    def get_queryset(self):
        return super().get_queryset().filter(self.condition)


def unindexed_fk(to, *, on_delete, related_name: str = "+", optional: bool = False, **options) -> models.ForeignKey:
    """A foreign key without an index of its own, for the large tables (carrier files,
    bill-run lines): a composite or partial index in the model's Meta serves where a
    list or a filter needs one, and a single-column index would only be paid for on
    every row written. ``optional``: it may be empty (null and blank)."""
    if optional:
        options.update(null=True, blank=True)
    return models.ForeignKey(to, on_delete=on_delete, related_name=related_name, db_index=False, **options)
