from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attachment_guide.accounts.forms import NoColons
from attachment_guide.spaces import lock
from attachment_guide.spaces.services import visit_span


def _secret(label, autocomplete: str = "off", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


LOCK_AFTER = [
    (5, _("After 5 quiet minutes")),
    (15, _("After 15 quiet minutes")),
    (60, _("After an hour")),
    (0, _("Never: only when I lock it")),
]


class UnlockForm(NoColons, forms.Form):
    passcode = _secret(_("Passcode"), "current-password")


class PasscodeForm(NoColons, forms.Form):
    """Set or change the passcode; changing needs the current one (or the account password)."""

    current = _secret(_("Current passcode"), "current-password")
    passcode = _secret(
        _("New passcode"),
        "new-password",
        _("At least 4 characters. Choose something others would not guess."),
    )
    repeat = _secret(_("The new passcode again"), "new-password")
    lock_after = forms.TypedChoiceField(
        label=_("Lock this device by itself"),
        choices=LOCK_AFTER,
        coerce=int,
        initial=lock.DEFAULT_LOCK_AFTER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, has_passcode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not has_passcode:
            del self.fields["current"]

    def clean(self):
        data = super().clean()
        passcode, repeat = data.get("passcode"), data.get("repeat")
        if passcode and len(passcode) < lock.PASSCODE_MIN_LENGTH:
            self.add_error("passcode", _("Please use at least 4 characters."))
        elif passcode and passcode != repeat:
            self.add_error("repeat", _("The two passcodes are not the same."))
        return data


class CurrentPasscode:
    """With a passcode set, changing how the space is protected asks for it first."""

    def __init__(self, *args, has_passcode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if has_passcode:
            # A lone "Your passcode" under a choice, then "This field is required.", did
            # not say why a passcode is asked for to change it.
            self.fields["current"] = _secret(
                _("Your passcode"),
                "current-password",
                _("Asked so that nobody else who picks up this device can change this."),
            )


class LockAfterForm(CurrentPasscode, NoColons, forms.Form):
    lock_after = PasscodeForm.base_fields["lock_after"]


class RemovePasscodeForm(NoColons, forms.Form):
    current = _secret(_("Current passcode"), "current-password")


class KeepForm(NoColons, forms.Form):
    keep = forms.ChoiceField(
        label=_("How long this device keeps your space"),
        choices=[("device", _("Keep my space on this device")), ("visit", "")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, is_guest: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if is_guest:  # a browser left open forgets a guest's space too (VISIT_SPACE_HOURS)
            visit = gettext(
                "Only for this visit: forget it when the browser closes, or after %(span)s "
                "without use"
            ) % {"span": visit_span()}
        else:  # an account's session ends with the browser; the account stays
            visit = gettext("Only for this visit: forget it when the browser closes")
        self.fields["keep"].choices = [self.fields["keep"].choices[0], ("visit", visit)]


EXIT_CHOICES = [
    (lock.EXIT_LEAVE, _("Leave my space as it is")),
    (lock.EXIT_LOCK, _("Lock my space")),
    (lock.EXIT_FORGET, _("Forget this device")),
]


class ExitForm(CurrentPasscode, NoColons, forms.Form):
    exit_action = forms.ChoiceField(
        label=_("When I press Exit this page"), choices=EXIT_CHOICES, widget=forms.RadioSelect
    )
    understood = forms.BooleanField(
        required=False,
        label=_("I understand: forgetting this device means my journal can never be opened again."),
    )

    def __init__(self, *args, has_passcode: bool, is_guest: bool, **kwargs) -> None:
        super().__init__(*args, has_passcode=has_passcode, **kwargs)
        self.has_passcode, self.is_guest = has_passcode, is_guest
        if not is_guest:
            del self.fields["understood"]

    def clean(self):
        data = super().clean()
        action = data.get("exit_action")
        if action == lock.EXIT_LOCK and not self.has_passcode:
            self.add_error("exit_action", _("To lock on exit, first choose a passcode above."))
        if action == lock.EXIT_FORGET and self.is_guest and not data.get("understood"):
            self.add_error(
                "understood",
                _(
                    "Without an account, forgetting this device deletes the only key to your "
                    "journal. Tick the box if that is what you want."
                ),
            )
        return data
