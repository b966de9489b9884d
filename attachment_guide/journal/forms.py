from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attachment_guide.accounts.forms import NoColons
from lessons.content import get_catalog

FORMATS = [
    ("print", _("A page to read, print or save as PDF")),
    ("markdown", _("A plain text file (Markdown), easy to read anywhere")),
    ("json", _("A complete data file (JSON), for other apps")),
]


def module_choices() -> list[tuple[str, str]]:
    return [(m.slug, m.title) for m in get_catalog().modules] + [("", _("Free writing"))]


class ExportForm(NoColons, forms.Form):
    format = forms.ChoiceField(
        label=_("How would you like it?"),
        choices=FORMATS,
        initial="print",
        widget=forms.RadioSelect,
    )
    modules = forms.MultipleChoiceField(
        label=_("Only answers from these parts (leave all unticked for everything)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.DateField(
        label=_("Written on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("Written on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    entry = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modules"].choices = module_choices()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                _("The first date is after the second. Please swap them or clear one.")
            )
        return data
