from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from attachment_guide.accounts.forms import NoColons
from attachment_guide.circle.models import MAX_NAME_LENGTH, MAX_REACH_LENGTH, Help, Ring

TOO_LONG = ngettext_lazy(
    "Please keep this to %(limit_value)d character or fewer (it has %(show_value)d).",
    "Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d).",
    "limit_value",
)
# The guided start takes several names in one box.
MAX_NAMES_LENGTH = 1000
NAME_SEPARATORS = re.compile(r"[,;\n]+")


def one_line(text: str) -> str:
    """Names and contact details are shown on one line: no breaks, no runs of spaces."""
    return " ".join(text.split())


class MemberForm(NoColons, forms.Form):
    name = forms.CharField(
        label=_("Name or nickname"),
        max_length=MAX_NAME_LENGTH,
        help_text=_("A nickname or initials are fine."),
        error_messages={
            "required": _("Please write a name, a nickname or initials."),
            "max_length": TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    ring = forms.TypedChoiceField(
        label=_("Where are they in your circle?"),
        choices=Ring.choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "choices choices--stacked"}),
        error_messages={"required": _("Please choose one of the three rings.")},
    )
    helps = forms.MultipleChoiceField(
        label=_("How do they help? (choose any)"),
        choices=Help.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )
    reach = forms.CharField(
        label=_("A way to reach them (optional)"),
        max_length=MAX_REACH_LENGTH,
        required=False,
        help_text=_("For example a phone number. You can leave this empty."),
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        return name

    def clean_helps(self) -> list[str]:
        chosen = set(self.cleaned_data["helps"])
        return [value for value in Help.values if value in chosen]  # always in the same order

    def clean_reach(self) -> str:
        return one_line(self.cleaned_data["reach"])


def _names(label) -> forms.CharField:
    """One of the guided start's questions: any number of names, or none."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_NAMES_LENGTH,
        help_text=_("Separate names with commas. Leave it empty if no one comes to mind."),
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )


class GuidedStartForm(NoColons, forms.Form):
    """Three gentle questions; each answer may hold several names."""

    # Not "closest": a field's name becomes a property of its <form> in the browser, and
    # form.closest() is what htmx uses to find its way around.
    hard_day = _names(_("Who could you call if you had a hard day?"))
    most_weeks = _names(_("Who do you see most weeks?"))
    services = _names(_("Which groups, services or professionals help you?"))
    # Where each answer goes, and how those people most likely help (easy to change later).
    PLACES = {
        "hard_day": (Ring.CLOSEST, [Help.LISTENING]),
        "most_weeks": (Ring.REGULAR, [Help.COMPANY]),
        "services": (Ring.WIDER, [Help.PROFESSIONAL]),
    }

    def _names(self, field: str) -> list[str]:
        names = [one_line(part) for part in NAME_SEPARATORS.split(self.cleaned_data[field])]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > MAX_NAME_LENGTH]
        if too_long:
            raise forms.ValidationError(
                _("Please keep each name to %(limit)d characters or fewer."),
                params={"limit": MAX_NAME_LENGTH},
            )
        return list(dict.fromkeys(names))  # the same name twice in one answer is one person

    def clean(self):
        data = super().clean()
        people = []
        for field, (ring, helps) in self.PLACES.items():
            if field not in data:
                continue
            try:
                names = self._names(field)
            except forms.ValidationError as error:
                self.add_error(field, error)
                continue
            people += [(name, ring, helps) for name in names]
        if not people and not self.errors:
            raise forms.ValidationError(
                _("Write at least one name, or add people one at a time below.")
            )
        data["people"] = people
        return data
