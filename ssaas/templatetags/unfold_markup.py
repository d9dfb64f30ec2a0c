"""Unfold's own classes for the parts of the product's pages that Unfold has no
component for, taken from its templates (unfold/components/table.html,
admin/delete_confirmation.html): Unfold's stylesheet is compiled from its
templates, so only classes they use exist (tests/ssaas/test_unfold_markup.py checks
each), and Django's admin markup (``module``, ``form-row``, ``submit-row``, a bare
``<table>``) is left unstyled. In a template::

    {% load unfold_markup %}
    <table class="{% ui 'table' %}"> … <td class="{% ui 'td' %}"> …

Buttons are Unfold's button component, form fields its ``unfold/helpers/field.html``
and panels its card component."""

from django import template
from unfold.widgets import CHECKBOX_CLASSES, SELECT_CLASSES

register = template.Library()

_TD = "align-middle border-t border-base-200 font-normal px-3 py-2 text-left dark:border-base-800"

CLASSES = {
    # A table in a bordered panel that scrolls sideways rather than widen the page.
    "table-wrap": "bg-white border border-base-200 mb-6 overflow-x-auto rounded-default shadow-xs "
    "dark:bg-base-900 dark:border-base-800",
    # The same, flush in a card (whose padding is p-6).
    "table-in-card": "-mx-6 -mb-6 overflow-x-auto",
    "table": "border-separate border-spacing-none w-full",
    "thead-row": "bg-base-50 text-font-important-light dark:bg-base-900 dark:text-font-important-dark",
    "th": "align-middle border-b border-base-200 font-semibold px-3 py-2 text-left whitespace-nowrap "
    "dark:border-base-800",
    "th-number": "align-middle border-b border-base-200 font-semibold px-3 py-2 text-right whitespace-nowrap "
    "dark:border-base-800",
    # Body cells: no top border on the first row (``first-row`` on its <tr>, as Unfold's table).
    "td": f"{_TD} lg:group-[.first-row]:border-t-0",
    "td-number": f"{_TD} lg:group-[.first-row]:border-t-0 text-right whitespace-nowrap",
    "tr": "group",
    # A form's fields in a panel (Unfold's fieldset look), and the row of its buttons.
    "form-panel": "bg-white border border-base-200 max-w-3xl mb-6 p-6 rounded-default shadow-xs "
    "dark:bg-base-900 dark:border-base-800",
    "actions": "flex flex-col gap-3 items-center lg:flex-row",
    "heading": "font-semibold mb-2 text-font-important-light dark:text-font-important-dark",
    "text": "leading-relaxed max-w-4xl mb-4 text-sm",
    "help": "leading-relaxed mt-2 text-xs",
    "error": "mb-4 text-red-600 text-sm dark:text-red-500",
    # Form controls written in a template rather than rendered by a widget: the
    # classes of Unfold's widgets (unfold.widgets).
    "select": " ".join(SELECT_CLASSES),
    "checkbox": " ".join(CHECKBOX_CLASSES),
}


@register.simple_tag
def ui(name: str) -> str:
    """Unfold's classes for ``name`` (a key of ``CLASSES``)."""
    return CLASSES[name]
