"""Refusals on the change form, with what the person typed.

Django's admin validates in the form and saves in ``save_model`` /
``save_related``; these admins' saves call an action, which re-checks its rules
(the closed-period rule, the workflow, who may). The form makes the same checks
first (:meth:`RefusalFormMixin.check_form`), so a refusal is a form error and the
change form re-displays with the person's input. Should the action still refuse
(someone changed the row between the form's check and the save), the save's
transaction rolls back and the form is shown again with that refusal, as a
form error, and with the person's input: never an error page, never a redirect
that loses what they typed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ssaas.common.admin_mixins import add_refusal

__all__ = ["RefusalFormMixin", "add_refusal"]


class RefusalFormMixin:
    """For a ModelAdmin whose ``save_model``/``save_related`` call an action.

    ``check_form(request, form)`` runs after the form's own and the model's
    validation (the instance holds the input) and raises ``ValidationError`` for
    what the action will refuse."""

    def check_form(self, request, form) -> None:
        """Raise ``ValidationError`` for what saving ``form`` would be refused."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        admin = self

        class CheckedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                for refusal in getattr(request, "_action_refusals", ()):
                    add_refusal(self, refusal)
                if not self.errors:
                    try:
                        admin.check_form(request, self)
                    except ValidationError as exc:
                        add_refusal(self, exc)

        CheckedForm.__name__ = form_class.__name__
        return CheckedForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST" or getattr(request, "_action_refusals", None):
                raise
            # The save rolled back: show the form again, the refusal on it.
            request._action_refusals = [exc]
            return super().changeform_view(request, object_id, form_url, extra_context)
