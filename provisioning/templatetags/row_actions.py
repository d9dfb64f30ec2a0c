"""Row actions (unfold's ``actions_row``) drawn per row: unfold draws the same menu on
every row; an admin with ``row_actions_for(actions, obj)`` keeps those legal for it."""

from django import template

register = template.Library()


@register.simple_tag
def row_actions_for(cl, actions, obj):
    legal = getattr(cl.model_admin, "row_actions_for", None)
    return legal(actions, obj) if legal and actions else actions
