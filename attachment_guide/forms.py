"""How every form renders its fields (settings.FORM_RENDERER)."""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


def first_field_to_fix(form) -> str | None:
    """The name of the first visible field a refused form marks as wrong, or None when a
    message for the whole form comes first (templates/accounts/_form.html focuses that)."""
    if not form.is_bound or not form.errors or form.non_field_errors():
        return None
    return next(
        (f.name for f in form.visible_fields() if f.name in form.errors),
        None,
    )


class FocusingBoundField(BoundField):
    """A refused form puts the focus on its first field to fix, with or without JavaScript
    (and in an htmx swap, which honours `autofocus` too): a screen reader then reads the
    field, that it is invalid and why (Django ties the error to it by aria-describedby),
    instead of starting again from the top of the page."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and self.name == first_field_to_fix(self.form):
            attrs["autofocus"] = True
        return attrs


class Renderer(DjangoTemplates):
    bound_field_class = FocusingBoundField
