"""Two-step sign-in: a code from an authenticator app (TOTP, RFC 6238) after the password.

django-otp does the cryptography, the replay protection (a code is accepted once) and the
throttling of wrong codes (each wrong code doubles the wait before the next try: 1, 2, 4 ...
seconds). This module is what the sign-in page, the security page and the admin ask of it,
and the one place where an account's two-factor set-up changes (audited like every account
change).
"""

import io
from base64 import b32encode, b64encode
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import user_has_device
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixboard.audit import log
from fixboard.audit.models import AuditEntry

from .models import User

DEVICE_NAME = "Authenticator app"


def has_two_factor(user) -> bool:
    """Whether `user` signs in with a code as well as a password."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def needs_code(user) -> bool:
    """Whether `user` is signed in without the code their account asks for (e.g. through a
    door that knows nothing of codes): such a session may not reach staff pages or the admin."""
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    if verified is not None and verified():
        return False
    return has_two_factor(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def device_being_set_up(user: User) -> TOTPDevice:
    """The new (unconfirmed) device `user` is setting up: made once, kept until confirmed, so
    that reloading the page does not change the secret the app was given."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret in base 32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The app's set-up link (otpauth://) as a QR code: an SVG image in a data: URI."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=10
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + b64encode(buffer.getvalue()).decode()


@dataclass
class Wait:
    until: datetime

    @property
    def seconds(self) -> int:
        return max(1, round((self.until - timezone.now()).total_seconds()))

    def message(self) -> str:
        return ngettext(
            "Too many wrong codes: wait %(n)d second before the next try.",
            "Too many wrong codes: wait %(n)d seconds before the next try.",
            self.seconds,
        ) % {"n": self.seconds}


def wait_before_next_code(device: TOTPDevice) -> Wait | None:
    """How long django-otp makes `device` wait after wrong codes; None: a code may be tried."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until") or timezone.now()
    return Wait(until)


def check_code(device: TOTPDevice, code: str, *, field: str = "code") -> TOTPDevice:
    """The device, once `code` is right; ValidationError (on `field`) if it is wrong, or if
    wrong codes made the device wait. A wrong code is recorded (django-otp's throttling), so
    this must not run inside a transaction that the error would roll back."""
    code = "".join((code or "").split())
    wait = wait_before_next_code(device)
    if wait:
        raise ValidationError({field: ValidationError(wait.message(), code="throttled")})
    if not code.isdigit() or len(code) != device.digits:
        message = _("Enter the %(n)d-digit code your app shows.") % {"n": device.digits}
        raise ValidationError({field: ValidationError(message, code="invalid")})
    verified = otp_verify_token(device.user, device.persistent_id, code)
    if verified is None:
        message = _("That code is not right, or it was used already. Try the next one.")
        raise ValidationError({field: ValidationError(message, code="wrong")})
    return verified


def _record(actor, user: User, before: bool, after: bool) -> None:
    homes = list(user.jurisdictions.all()[:2])
    log.record(
        actor=actor,
        action=AuditEntry.Action.CHANGED,
        obj=user,
        changes={"two_factor": [before, after]},
        jurisdiction=homes[0] if len(homes) == 1 else None,
    )


def confirm_device(*, actor, device: TOTPDevice, code: str) -> TOTPDevice:
    """Turn two-factor on for the device's user once `code` (from the app just set up) is
    right; any earlier device stops working."""
    check_code(device, code)
    with transaction.atomic():
        user = device.user
        had = has_two_factor(user)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _record(actor, user, had, True)
    return device


@transaction.atomic
def turn_off(*, actor, user: User) -> None:
    """Remove every two-factor device of `user`: the password alone signs in again."""
    had = has_two_factor(user)
    TOTPDevice.objects.filter(user=user).delete()
    if had:
        _record(actor, user, True, False)
