from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看事由"),
        min_length=4,
        max_length=300,
        help_text=_("查看个人信息明文将被记录（谁、何时、哪条记录、事由）。"),
        widget=forms.TextInput(attrs={"placeholder": _("例如：核实报警人身份")}),
    )


def add_service_errors(form: forms.BaseForm, exc: ValidationError | PermissionDenied) -> None:
    """Put a service's refusal on the form that asked for it: each field's messages beside that
    field, the rest — and a permission refusal — at the top. Services name fields by their
    parameter names, which the forms share."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
