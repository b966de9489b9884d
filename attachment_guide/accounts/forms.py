from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, UsernameField
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attachment_guide.safety import notice


class NoColons:
    """Labels read "Password", not "Password:"."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RememberField(forms.BooleanField):
    def __init__(self) -> None:
        super().__init__(
            required=False,
            initial=True,
            label=_("Remember me on this device"),
            help_text=_(
                "Untick this on a shared device: you will be signed out when the browser closes."
                " Some browsers that reopen your tabs keep you signed in, so log out too."
            ),
        )


class NoticeTick(forms.CheckboxInput):
    """The tick agreeing to the privacy notice, as `spaces/_agree.html` draws it: its value
    is the version of the notice it is shown with, and it comes back ticked only for that."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda tick: tick == notice.NOTICE_VERSION)

    def format_value(self, value) -> str:
        return notice.NOTICE_VERSION

    def value_from_datadict(self, data, files, name) -> str:
        return data.get(name, "")


class AgreementField(forms.Field):
    """Agreeing to the privacy notice: only a tick shown with its current version counts (see
    spaces.services.agreement_check); one from a page opened before it changed asks again."""

    widget = NoticeTick

    def clean(self, value: str) -> bool:
        if value == notice.NOTICE_VERSION:
            return True
        if value:
            message = gettext(
                'The <a href="{url}">privacy notice</a> has changed since this page was '
                "opened. Please read it, then tick this box again to make an account."
            )
            # Its link opens the notice over the page (notice.js): what was typed stays.
            changed = format_html(message, url=reverse("privacy"))
            raise forms.ValidationError(
                format_html("<span data-agreement-refused>{}</span>", changed)
            )
        raise forms.ValidationError(_("Please tick this box to make an account."))


def _password(label, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPassword:
    """password1 and password2 must match and pass the password validators."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            user = User(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


# What Django's username validator lets through (Unicode letters and digits, . _ - + @).
NAME_RULE = _(
    "A name can have letters, numbers and these marks: . _ - + @ (no spaces). In place of a "
    "space, you can use _ or . as in quiet_river."
)


PASSWORD_RULE = _("At least 8 characters. A long phrase is easier to remember and harder to guess.")


class SignupForm(NoColons, NewPassword, forms.Form):
    username = UsernameField(
        label=_("Username"),  # Django would make it from the field's name, untranslated
        max_length=150,
        help_text=_(
            "Any name you like, with no spaces. Please do not use your real name or your email"
            " address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = _password(_("Password"), "new-password", PASSWORD_RULE)
    password2 = _password(_("Password again"), "new-password")
    remember = RememberField()
    agree = AgreementField(label=_("I agree to the privacy notice."))

    def __init__(self, *args, needs_agreement: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not needs_agreement:  # agreed with the first save already
            del self.fields["agree"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        try:
            User.username_validator(username)
        except forms.ValidationError:
            # Django's own words ("Enter a valid username…") say what is wrong, not what works.
            raise forms.ValidationError(NAME_RULE, code="invalid") from None
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That name is taken. Please choose another."))
        return username


class LoginForm(NoColons, forms.Form):
    username = UsernameField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = _password(_("Password"), "current-password")
    remember = RememberField()


class RecoverForm(NoColons, NewPassword, forms.Form):
    username = UsernameField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        help_text=_("The code you were shown when you made your account, like ABCDE-FGHJK-…"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    password1 = _password(_("New password"), "new-password")
    password2 = _password(_("New password again"), "new-password")


class PasswordChange(NoColons, PasswordChangeForm):
    """Django's form in the words of sign-up. Its own spoke of "personal information" the
    site never asks for, and of a "password confirmation"."""

    error_messages = {
        "password_mismatch": _("The two passwords are not the same."),
        "password_incorrect": _("That is not your current password. Please try again."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].help_text = PASSWORD_RULE
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = ""
        # Django's form takes the focus: the account page, where people come to log out,
        # opened at this field, on a phone with the keyboard up.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class ConfirmPasswordForm(NoColons, forms.Form):
    """Something only the account's owner may do, even at a device left open: the password
    first. (A new recovery code resets the password from anywhere.)"""

    password = _password(_("Your password"), "current-password")

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right."))
        return password


class DeleteEverythingForm(NoColons, forms.Form):
    """An account confirms with its password, so nobody at an open device can erase it."""

    password = _password(_("Your password"), "current-password")

    def __init__(self, user: User | None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user is None:
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right."))
        return password
