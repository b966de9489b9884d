from __future__ import annotations

import functools
import zoneinfo

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


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


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
    # The reader's time zone, as their browser names it (static/js/reflections.js fills it
    # in): a file or a printout is read away from the screen, where nothing turns the
    # server's UTC into the day and time the words were written. Without it, UTC, named.
    zone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-time-zone": ""})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modules"].choices = module_choices()

    def clean_zone(self) -> zoneinfo.ZoneInfo | None:
        """Only a name from the system's list: an unknown one is ignored, not refused."""
        name = self.cleaned_data["zone"]
        return zoneinfo.ZoneInfo(name) if name in time_zone_names() else None

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                _("The first date is after the second. Please swap them or clear one.")
            )
        return data
