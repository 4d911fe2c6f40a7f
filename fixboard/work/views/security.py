"""A staff member's own sign-in security: two-step sign-in with an authenticator app."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from fixboard.accounts import two_factor

from ..access import staff_only

CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code the app shows"),
        max_length=12,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class TurnOffForm(forms.Form):
    proof = forms.CharField(
        label=gettext_lazy("Your password, or a code from your app"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _turn_off(request, form: TurnOffForm) -> bool:
    """Whether the person proved it is them and two-factor is now off. Digits are a code
    (passwords are never all digits); anything else is the password, checked through
    authenticate so that wrong ones count towards the lockout."""
    user = request.user
    proof = form.cleaned_data["proof"]
    device = two_factor.confirmed_device(user)
    if device is not None and "".join(proof.split()).isdigit():
        try:
            two_factor.check_code(device, proof, field="proof")
        except ValidationError as exc:
            form.add_error(None, exc)
            return False
    elif authenticate(request, username=user.get_username(), password=proof) is None:
        form.add_error("proof", _("That is not your password."))
        return False
    two_factor.turn_off(actor=user, user=user)
    return True


@staff_only(before_two_factor=True)
@require_http_methods(["GET", "POST"])
def security(request):
    user = request.user
    device = two_factor.confirmed_device(user)
    confirm_form, off_form = ConfirmForm(), TurnOffForm()
    action = request.POST.get("action") if request.method == "POST" else None

    if action == "turn-off" and device is not None:
        off_form = TurnOffForm(request.POST)
        if off_form.is_valid() and _turn_off(request, off_form):
            messages.success(
                request, _("Two-step sign-in is off: your password alone signs you in.")
            )
            return redirect("work:security")
    elif action == "confirm" and device is None:
        confirm_form = ConfirmForm(request.POST)
        if confirm_form.is_valid():
            new = two_factor.device_being_set_up(user)
            try:
                confirmed = two_factor.confirm_device(
                    actor=user, device=new, code=confirm_form.cleaned_data["code"]
                )
            except ValidationError as exc:
                confirm_form.add_error(None, exc)
            else:
                otp_login(request, confirmed)  # this session gave a code
                messages.success(
                    request,
                    _("Two-step sign-in is on: after your password you will be asked for a code."),
                )
                return redirect("work:security")

    context = {
        "device": device,
        "required": settings.STAFF_REQUIRE_TWO_FACTOR,
        "confirm_form": confirm_form,
        "off_form": off_form,
    }
    if device is None:
        new = two_factor.device_being_set_up(user)
        context.update(
            secret=two_factor.secret_text(new),
            qr_code=two_factor.qr_code_data_uri(new),
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "work/account_security.html", context, status=status)
