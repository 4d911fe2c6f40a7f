"""The report flow: one form that works without JavaScript, enhanced when it runs."""

import io

import orjson
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from PIL import Image

from fixboard.core import limits
from fixboard.core.phones import display_phone, phone_of_token
from fixboard.places.addresses import resolve_address
from fixboard.places.spatial import area_index
from fixboard.reports.actions import ContactDetails, submit_request
from fixboard.reports.attributes import MAX_TEXT, clean_attributes
from fixboard.reports.models import Channel, Contact
from fixboard.reports.photos import check_photos, check_uploads, gps_of
from fixboard.reports.selectors import nearby_open_requests

from ..forms import ReportForm
from ..selectors import (
    address_at,
    jurisdiction_or_404,
    public_service_type,
    public_service_types,
    suggest_addresses,
)
from ..session import remember_mine
from .common import map_settings

NEARBY_METRES = 150
LOCATION_KEYS = ("lat", "long", "location")


def _chosen(service_types, code):
    return next((s for s in service_types if s.code == code), None)


def _caller(request) -> str:
    """The phone number a texted link fills in (`?caller=`, signed: channels.deflections)."""
    phone = phone_of_token(request.GET.get("caller", ""))
    return display_phone(phone) if phone else ""


def report(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    service_types = public_service_types(jurisdiction)
    source = request.POST if request.method == "POST" else request.GET
    chosen = _chosen(service_types, source.get("service"))
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        service_types=service_types,
        service_type=chosen,
        initial={"service": chosen.code if chosen else None, "phone": _caller(request)},
    )
    if request.user.is_authenticated:  # their address is proven: nothing to confirm
        form.fields["email"].help_text = _("We send you updates. Never shown publicly.")
    location_errors, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            try:
                limits.check(request, "report", email=form.cleaned_data["email"])
                created = _submit(request, form)
            except limits.Limited as exc:
                form.add_error(None, exc.message)
                status = 429
            except ValidationError as exc:
                location_errors = _show_errors(form, exc)
            else:
                return _after_submit(request, created)
        elif "service" in form.errors:
            form.errors["service"] = form.error_class([_("Choose the kind of problem.")])
        if status == 200 and (form.errors or location_errors):
            status = 400
    return render(
        request,
        "web/report.html",
        {
            "jurisdiction": jurisdiction,
            "form": form,
            "location_errors": location_errors,
            **map_settings(jurisdiction),
        },
        status=status,
    )


def _read_photos(files) -> tuple[list[tuple[bytes, str]], list[str]]:
    """The uploads as (bytes, name), or none and the reasons when too many or too large."""
    try:
        check_uploads([(upload.name, upload.size) for upload in files])
    except ValidationError as exc:
        return [], exc.message_dict["media"]
    return [(upload.read(), upload.name) for upload in files], []


def _photo_position(photos) -> tuple[float | None, float | None]:
    for data, _name in photos:
        try:
            lat, long = gps_of(Image.open(io.BytesIO(data)))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue  # an unreadable photo gets its message from the domain
        if lat is not None:
            return lat, long
    return None, None


def _locate(form, photos) -> tuple[float | None, float | None, str, dict]:
    data = form.cleaned_data
    lat, long, address = data.get("lat"), data.get("long"), data.get("address", "").strip()
    if lat is not None and long is not None:
        return lat, long, address, {}
    if address:
        known = resolve_address(jurisdiction=form.service_type.jurisdiction, address=address)
        if known is not None:
            return known.lat, known.long, known.address, {}
        return (
            None,
            None,
            address,
            {
                "address": [
                    _(
                        "We do not know this address. Pick one from the suggestions, "
                        "or put the pin on the map."
                    )
                ]
            },
        )
    lat, long = _photo_position(photos)
    if lat is not None:
        return lat, long, address, {}
    return (
        None,
        None,
        address,
        {
            "location": [
                _(
                    "Tell us where the problem is: use your location, tap the map "
                    "or type an address."
                )
            ]
        },
    )


def _outside(jurisdiction, lat: float, long: float) -> dict:
    """The domain checks this too, but only once every other answer is right: say it now."""
    if area_index().locate(lat, long, jurisdiction.pk).jurisdiction_id == jurisdiction.pk:
        return {}
    return {
        "location": [
            _(
                "This place is outside %(j)s, so the city cannot act on it. "
                "Check the location on the map."
            )
            % {"j": jurisdiction.name}
        ]
    }


def _precheck(form, description: str, photos) -> dict:
    """Errors the domain would find too, so they show together with the location's."""
    errors = {}
    try:
        check_photos(photos)  # headers only: the domain decodes them once, on submitting
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        clean_attributes(form.service_type, form.answers())
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if len(description) > MAX_TEXT:
        errors["description"] = [
            _("Keep the description under %(n)d characters.") % {"n": MAX_TEXT}
        ]
    return errors


def _needs_confirmation(request, service_type, email: str) -> bool:
    if not (service_type.requires_confirmation and email):
        return False
    if request.user.is_authenticated and request.user.email.lower() == email.lower():
        return False
    return not Contact.objects.filter(email=email.lower(), email_verified=True).exists()


def _submit(request, form):
    data = form.cleaned_data
    photos, photo_errors = _read_photos(data["photos"])
    lat, long, address, errors = _locate(form, photos)
    if lat is not None:
        errors.update(_outside(form.service_type.jurisdiction, lat, long))
    if errors or photo_errors:
        found = _precheck(form, data["description"], photos)
        found["media"] = photo_errors + found.get("media", [])
        raise ValidationError({k: v for k, v in {**found, **errors}.items() if v})
    zipcode = ""
    if not address:
        # Tapped, located or photographed, and nothing typed: the known address nearest the
        # pin (the one the form shows under the map), if one is near.
        found = address_at(form.service_type.jurisdiction, lat, long) or {}
        address, zipcode = found.get("address", ""), found.get("zipcode", "")
    typed = {field: data[field] for field in ("name", "email", "phone")}
    # The page's language comes with what they typed: their e-mails are written in it.
    details = ContactDetails(**typed, language=translation.get_language())
    return submit_request(
        service_type=form.service_type,
        lat=lat,
        long=long,
        actor=request.user if request.user.is_authenticated else None,
        description=data["description"],
        attributes=form.answers(),
        address=address,
        zipcode=zipcode,
        channel=Channel.WEB,
        reporter=details if any(typed.values()) else None,
        reporter_name_public=data["show_name"],
        awaiting_confirmation=_needs_confirmation(request, form.service_type, data["email"]),
        photos=photos,
    )


FIELD_FOR_KEY = {"media": "photos", "service_code": "service", "description": "description"}


def _show_errors(form, exc: ValidationError) -> list[str]:
    location = []
    for key, messages_ in exc.message_dict.items():
        if key in LOCATION_KEYS:
            location.extend(messages_)
            continue
        field = FIELD_FOR_KEY.get(key, key)
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
    return list(dict.fromkeys(location))


def _after_submit(request, created):
    remember_mine(request, created.public_id)
    if created.awaiting_confirmation:
        location = reverse("web:report_sent", args=[created.jurisdiction.slug, created.public_id])
    else:
        location = created.get_absolute_url()
        messages.success(
            request,
            _("Thank you. Your report %(id)s is in; the city will take it from here.")
            % {"id": created.public_id},
        )
    # The page's script sends with fetch and navigates itself, keeping the message for it.
    if request.headers.get("X-Fixboard-Fetch"):
        return JsonResponse({"location": location})
    return redirect(location)


def report_sent(request, slug, public_id):
    jurisdiction = jurisdiction_or_404(slug)
    return render(
        request, "web/report_sent.html", {"jurisdiction": jurisdiction, "public_id": public_id}
    )


@require_GET
def questions(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    service_types = public_service_types(jurisdiction)
    chosen = _chosen(service_types, request.GET.get("service"))
    form = ReportForm(service_types=service_types, service_type=chosen)
    return render(request, "web/_questions.html", {"form": form})


@require_GET
def nearby(request, slug):
    chosen = public_service_type(slug, request.GET.get("service", ""))
    if chosen is None:  # an unknown city is a 404; an unknown service has no duplicates
        jurisdiction_or_404(slug)
    try:
        lat, long = float(request.GET["lat"]), float(request.GET["long"])
        found = nearby_open_requests(chosen, lat, long, NEARBY_METRES, limit=5) if chosen else []
    except (KeyError, ValueError):
        found = []
    return render(request, "web/_nearby.html", {"found": found, "service_type": chosen})


@require_GET
def addresses(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    found = suggest_addresses(jurisdiction, request.GET.get("q", ""))
    return HttpResponse(orjson.dumps(found), content_type="application/json")


@require_GET
def nearest_address(request, slug):
    """The known address nearest ?lat=&long= (JSON, null when none is near)."""
    jurisdiction = jurisdiction_or_404(slug)
    try:
        lat, long = float(request.GET["lat"]), float(request.GET["long"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("Give lat and long in decimal degrees.")}, status=400)
    if not (abs(lat) <= 90 and abs(long) <= 180):
        return JsonResponse({"error": _("Latitude or longitude is out of range.")}, status=400)
    return HttpResponse(
        orjson.dumps(address_at(jurisdiction, lat, long)), content_type="application/json"
    )
