"""Pages behind the links of e-mails: confirm, sign in, my reports, unsubscribe, watch areas."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fixboard.core import limits
from fixboard.places.models import Jurisdiction

from . import actions, selectors, tasks, tokens
from .forms import SignInForm, WatchForm

PAGE_SIZE = 25


def _link_problem(request, exc: tokens.BadLink, *, what: str):
    expired = isinstance(exc, tokens.ExpiredLink)
    return render(
        request,
        "notify/link_problem.html",
        {"expired": expired, "what": what},
        status=410 if expired else 400,
    )


def _button_page(request, purpose: str, token: str, max_age, template: str):
    """What a link's GET shows: its button (the POST acts) or why the link is no good, so that
    mail scanners that open links change nothing."""
    try:
        tokens.read(purpose, token, max_age=max_age)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what=purpose)
    return render(request, template)


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """A reporter's confirmation link. GET shows a button, POST puts the request live: mail
    scanners that open links must not publish a report."""
    if request.method == "GET":
        return _button_page(
            request, "confirm", token, tokens.CONFIRM_MAX_AGE, "notify/confirm_request.html"
        )
    try:
        service_request, changed = actions.confirm_request(token=token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="confirm")
    return render(
        request, "notify/confirmed.html", {"service_request": service_request, "changed": changed}
    )


@require_http_methods(["GET", "POST"])
def signin(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect("notify:my-reports")
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            limits.check(request, "signin", email=form.cleaned_data["email"])
            delivery = actions.request_sign_in(
                email=form.cleaned_data["email"], language=translation.get_language()
            )
        except limits.Limited as exc:
            form.add_error("email", exc.message)
            status = 429
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            tasks.deliver.enqueue(delivery.pk)
            return render(request, "notify/check_email.html", {"email": delivery.email})
    return render(request, "notify/signin.html", {"form": form}, status=status)


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
def signin_link(request, token: str):
    """GET shows a button, POST uses the link up: mail scanners that open links must not."""
    if request.method == "GET":
        return _button_page(
            request, "sign_in", token, tokens.SIGN_IN_MAX_AGE, "notify/signin_link.html"
        )
    try:
        user = actions.sign_in(token=token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="sign_in")
    except ValidationError as exc:
        return render(request, "notify/signin.html", {"form": SignInForm(), "errors": exc.messages})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("notify:my-reports")


@require_POST
def signout(request):
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("notify:signin")


@login_required(login_url="notify:signin")
def my_reports(request):
    reported = Paginator(
        selectors.resident_page(selectors.reported_by(request.user)), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    followed = selectors.resident_page(selectors.followed_by(request.user))[:PAGE_SIZE]
    return render(
        request,
        "notify/my_reports.html",
        {
            "summary": selectors.resident_summary(request.user),
            "reported": reported,
            "followed": followed,
        },
    )


@csrf_exempt  # RFC 8058: mail clients POST here without a form; the signed token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        tokens.read("unsubscribe", token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="unsubscribe")
    if request.method == "GET":
        return render(request, "notify/unsubscribe.html", {"done": ""})
    done = actions.unsubscribe(token=token)
    return render(request, "notify/unsubscribe.html", {"done": done})


@require_http_methods(["GET", "POST"])
def watch(request, jurisdiction: str):
    """Subscribe to a daily digest of new requests in an area or a drawn rectangle."""
    place = get_object_or_404(Jurisdiction, slug=jurisdiction)
    form = WatchForm(request.POST or None, jurisdiction=place)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            limits.check(request, "watch", email=form.cleaned_data["email"])
            watch_area = actions.subscribe_watch(
                jurisdiction=place,
                email=form.cleaned_data["email"],
                area=form.cleaned_data["area"],
                bbox=None if form.cleaned_data["area"] else form.bbox(),
                service_type=form.cleaned_data["service_type"],
                language=translation.get_language(),
            )
        except limits.Limited as exc:
            form.add_error("email", exc.message)
            status = 429
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            delivery = watch_area.delivery_set.get()
            tasks.deliver.enqueue(delivery.pk)
            return render(request, "notify/check_email.html", {"email": watch_area.email})
    bounds = (place.min_lat, place.min_long, place.max_lat, place.max_long)
    context = {
        "form": form,
        "jurisdiction": place,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "bounds": ",".join(map(str, bounds)) if None not in bounds else "",
    }
    return render(request, "notify/watch.html", context, status=status)


@require_http_methods(["GET", "POST"])
def watch_confirm(request, token: str):
    """GET shows a button, POST starts the digest: mail scanners that open links must not."""
    if request.method == "GET":
        return _button_page(
            request, "watch", token, tokens.CONFIRM_MAX_AGE, "notify/watch_confirm.html"
        )
    try:
        watch_area = actions.confirm_watch(token=token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="watch")
    return render(request, "notify/watch_confirmed.html", {"watch": watch_area})


@require_http_methods(["GET", "POST"])
def follow_confirm(request, token: str):
    """GET shows a button, POST starts following: mail scanners that open links must not."""
    try:
        payload = tokens.read("follow", token, max_age=tokens.FOLLOW_MAX_AGE)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="follow")
    if request.method == "GET":
        service_request = selectors.public_request_by_pk(payload.get("r"))
        return render(request, "notify/follow_confirm.html", {"service_request": service_request})
    try:
        service_request, changed = actions.confirm_follow(token=token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="follow")
    if changed:
        messages.success(
            request, _("You follow this request now: we will e-mail you when it changes.")
        )
    else:
        messages.info(request, _("This e-mail address already follows this request."))
    return redirect(service_request.get_absolute_url())


@require_http_methods(["GET", "POST"])
def comment_confirm(request, token: str):
    """GET shows a button, POST publishes the comment: mail scanners that open links must not."""
    if request.method == "GET":
        return _button_page(
            request, "comment", token, tokens.COMMENT_MAX_AGE, "notify/comment_confirm.html"
        )
    try:
        comment, changed = actions.confirm_comment(token=token)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="comment")
    if changed:
        messages.success(request, _("Thank you: your comment is published."))
    else:
        messages.info(request, _("Your comment was already published."))
    return redirect(f"{comment.request.get_absolute_url()}#comment-{comment.pk}")


FIXED_ANSWERS = {"yes": True, "no": False}


@require_http_methods(["GET", "POST"])
def fixed_check(request, answer: str, token: str):
    """The yes and no links of "Has this been fixed?". GET shows the answer's button, POST
    records it (and "no" reopens): mail scanners that open links must not."""
    try:
        payload = tokens.read("fixed", token, max_age=tokens.FIXED_CHECK_MAX_AGE)
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="fixed")
    if answer not in FIXED_ANSWERS:
        return _link_problem(request, tokens.BadLink(answer), what="fixed")
    if request.method == "GET":
        service_request = selectors.public_request_by_pk(payload.get("r"))
        context = {"service_request": service_request, "fixed": FIXED_ANSWERS[answer]}
        return render(request, "notify/fixed_check.html", context)
    try:
        service_request, new = actions.answer_fixed_check(token=token, fixed=FIXED_ANSWERS[answer])
    except tokens.BadLink as exc:
        return _link_problem(request, exc, what="fixed")
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        found = selectors.public_request_by_pk(payload.get("r"))
        return redirect(found.get_absolute_url() if found else "web:home")
    if not new:
        messages.info(request, _("We already have your answer about this request. Thank you."))
    elif FIXED_ANSWERS[answer]:
        messages.success(request, _("Thank you: your answer is counted."))
    else:
        messages.success(request, _("Thank you: the request is open again and the city will look."))
    return redirect(service_request.get_absolute_url())
