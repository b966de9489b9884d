from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lessons.models import PROBLEM_COMMENT_MAX_LENGTH, ProblemReport


class ProblemReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is the problem?"),
        choices=ProblemReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose what the problem is."),
            "invalid_choice": _("Please choose one of the options."),
        },
    )
    # No max_length here: that would add a maxlength attribute, and a browser then cuts a
    # pasted comment short without a word. The limit is checked below, with the text kept.
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "autocomplete": "off"}),
        help_text=format_lazy(
            _(
                "Up to {limit} characters. Please leave out your name and anything that could "
                "identify you or someone else."
            ),
            limit=PROBLEM_COMMENT_MAX_LENGTH,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "report-%s")
        super().__init__(*args, **kwargs)

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"]
        if len(comment) > PROBLEM_COMMENT_MAX_LENGTH:
            raise forms.ValidationError(
                _(
                    "Please shorten this to %(limit)s characters or fewer. It has %(length)s "
                    "now. Your words are still here."
                ),
                params={"limit": PROBLEM_COMMENT_MAX_LENGTH, "length": len(comment)},
            )
        return comment
