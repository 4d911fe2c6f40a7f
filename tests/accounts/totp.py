"""Test helpers for two-step sign-in: a confirmed device, and the code its app would show."""

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def give_two_factor(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's app shows now, or (when that one was used already: django-otp
    takes each code once) the next one, which it also accepts (one step of tolerance)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    ahead = max(0, device.last_t + 1 - now)
    assert ahead <= device.tolerance, "used the codes of this time step already"
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code the app does not show now, nor one step before or after."""
    key, step, t0 = device.bin_key, device.step, device.t0
    right = {f"{totp(key, step=step, t0=t0, drift=d):06d}" for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)
