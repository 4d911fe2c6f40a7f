"""Staff sign-in and sign-out, in the site's own look (not the admin's).

Two steps for an account with two-factor: the password (through `authenticate`, so
django-axes counts wrong ones and locks the username out from that address), then a code
from the person's app (django-otp checks it, refuses a code used before and slows down wrong
ones; wrong codes count towards the same lockout). Between the two steps the session (a new
one, not a form field) remembers who gave the right password, for SIGNIN_CODE_SECONDS.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import login as otp_login

from fixboard.accounts import two_factor

from ..access import is_city_staff, landing_url

User = get_user_model()
PENDING = "work.signin.pending"


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "That username and password do not match an account. Check them and try again "
            "(both are case-sensitive)."
        ),
        "inactive": gettext_lazy(
            "This account is switched off. Ask your city's administrator to switch it back on."
        ),
        "resident": gettext_lazy(
            "This is the sign-in for the city's staff, and this account is a resident's. "
            "Residents sign in with a link by e-mail."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                if self._inactive_with_this_password(username, password):
                    raise ValidationError(self.error_messages["inactive"], code="inactive")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _inactive_with_this_password(self, username, password) -> bool:
        """Whether the account exists, is switched off and this is its password: said
        plainly to its owner. authenticate() counted the attempt already; a locked-out
        username is told nothing more."""
        if getattr(self.request, "axes_locked_out", False):
            return False
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        return user is not None and not user.is_active and user.check_password(password)

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_city_staff(user):
            raise ValidationError(self.error_messages["resident"], code="resident")


def _safe(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _signed_in_as_staff(user) -> bool:
    return is_city_staff(user) and not two_factor.needs_code(user)


class SignInView(auth_views.LoginView):
    template_name = "work/signin.html"
    form_class = SignInForm

    def get(self, request, *args, **kwargs):
        if _signed_in_as_staff(request.user):
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def get_success_url(self):
        return _safe(self.request, self.get_redirect_url()) or self.get_default_redirect_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = context["form"]
        context["signed_in_resident"] = user.is_authenticated and not is_city_staff(user)
        context["resident_refused"] = form.has_error("__all__", "resident")
        return context

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_two_factor(user):
            # Step two: a new session remembers who gave the right password, and for how
            # long; nothing of it travels through the page.
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "user": user.pk,
                "check": user.get_session_auth_hash(),
                "backend": user.backend,
                "until": time.time() + settings.SIGNIN_CODE_SECONDS,
                "next": _safe(self.request, self.get_redirect_url()),
            }
            return redirect("work:login-code")
        self.request.session.pop(PENDING, None)  # someone else's half-done sign-in
        auth_login(self.request, user)
        return redirect(self.get_success_url())


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        help_text=gettext_lazy("Six digits; a new one every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )


def _pending(request):
    """(user, backend, next) of the password given in this session, or None once it is
    gone, too old, or the account changed (password, switched off) meanwhile."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("until", 0) < time.time():
        return None
    user = User._default_manager.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(
        user.get_session_auth_hash(), pending.get("check", "")
    ):
        return None
    return user, pending["backend"], pending.get("next", "")


class CodeView(View):
    template_name = "work/signin_code.html"

    def dispatch(self, request, *args, **kwargs):
        found = _pending(request)
        if found is None:
            if request.session.pop(PENDING, None) is not None:
                messages.error(request, _("The sign-in took too long. Enter your password again."))
            return redirect("work:login")
        self.user, self.backend, self.next = found
        self.device = two_factor.confirmed_device(self.user)
        if self.device is None:  # two-factor was turned off meanwhile: start again
            request.session.pop(PENDING, None)
            return redirect("work:login")
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, status=200):
        context = {"form": form, "wait": two_factor.wait_before_next_code(self.device)}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(CodeForm())

    def post(self, request):
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.axes_locked_out = True  # the lockout page (AxesMiddleware)
            return self.render(CodeForm())
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            device = two_factor.check_code(self.device, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error(None, exc)
            if exc.error_dict["code"][0].code == "wrong":
                # Wrong codes count towards the lockout, like wrong passwords.
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            return self.render(form)
        del request.session[PENDING]
        auth_login(request, self.user, backend=self.backend)
        otp_login(request, device)
        return redirect(_safe(request, self.next) or landing_url(self.user))


class SignOutView(auth_views.LogoutView):
    """POST signs out (the menu's button); GET shows a page with that button."""

    http_method_names = ["get", "post", "options"]
    next_page = "work:login"
    template_name = "work/signin_signout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("work:login")
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are signed out."))
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: a page of the site's, HTTP 429."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "work/signin_locked.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


__all__ = ["CodeView", "SignInView", "SignOutView", "is_city_staff", "locked_out"]
