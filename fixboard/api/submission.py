"""What the write operations share: finding the city and service, the reporter, photos."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import UploadedFile

from fixboard.catalog.models import ServiceType
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import area_index
from fixboard.reports import actions
from fixboard.reports.models import Channel, Contact, ServiceRequest
from fixboard.reports.photos import check_uploads

from .auth import Caller
from .schemas import SubmitIn


def jurisdiction_for(slug: str | None, lat: float, long: float) -> Jurisdiction | None:
    """The jurisdiction named (ValidationError if unknown), else the one containing the point."""
    if slug:
        found = Jurisdiction.objects.filter(slug=slug).defer("boundary_wkb").first()
        if found is None:
            raise ValidationError(
                {"jurisdiction": [_("There is no jurisdiction %(j)s.") % {"j": slug}]}
            )
        return found
    located = area_index().locate(lat, long)
    if located.jurisdiction_id is None:
        return None
    # The boundary (hundreds of kilobytes for some cities) is not needed to submit.
    return Jurisdiction.objects.filter(pk=located.jurisdiction_id).defer("boundary_wkb").first()


def public_service(jurisdiction: Jurisdiction | None, code: str) -> ServiceType:
    """A public service of the jurisdiction by code, or a ValidationError on service_code."""
    service = ServiceType.objects.filter(jurisdiction=jurisdiction, code=code, public=True).first()
    if service is None:
        raise ValidationError(
            {"service_code": [_("There is no service %(c)s here.") % {"c": code}]}
        )
    return service


def read_photos(files: list[UploadedFile]) -> list[tuple[bytes, str]]:
    """Uploaded files as (bytes, name), refusing too many or too large before reading them."""
    check_uploads([(f.name or "photo", f.size) for f in files])
    return [(f.read(), f.name or "photo") for f in files]


def clean_email(text: str) -> str:
    """The address stripped, or a ValidationError on email when it is not one."""
    email = text.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    return email


def reporter_for(caller: Caller, data: SubmitIn, service: ServiceType):
    """The reporter's details and whether the report waits for an e-mail confirmation."""
    if caller.user:
        user = caller.user
        return actions.ContactDetails(user.get_full_name(), user.email, data.phone), False
    details = actions.ContactDetails(data.name, clean_email(data.email), data.phone)
    if caller.client or not service.requires_confirmation:
        return details, False
    if not details.email:
        raise ValidationError(
            {"email": [_("Give your e-mail address: we send a link to confirm the report.")]}
        )
    return details, True


def submit(request, data: SubmitIn, photos: list[tuple[bytes, str]]) -> tuple[ServiceRequest, dict]:
    """Submit a report for the caller (request.auth) through the domain; it and the answer."""
    caller: Caller = request.auth
    jurisdiction = jurisdiction_for(data.jurisdiction, data.lat, data.long)
    if jurisdiction is None:
        raise ValidationError(
            {"location": [_("This place is outside every city this service covers.")]}
        )
    service = public_service(jurisdiction, data.service_code)
    reporter, awaiting = reporter_for(caller, data, service)
    sr = actions.submit_request(
        service_type=service,
        lat=data.lat,
        long=data.long,
        actor=caller.user,
        description=data.description,
        attributes=data.attributes,
        address=data.address,
        zipcode=data.zipcode,
        channel=Channel.WEB,
        reporter=reporter,
        reporter_name_public=data.name_public,
        anonymous=data.anonymous,
        awaiting_confirmation=awaiting,
        photos=photos,
        client=caller.client,
    )
    return sr, {
        "id": sr.public_id,
        "url": request.build_absolute_uri(sr.get_absolute_url()),
        "awaiting_confirmation": sr.awaiting_confirmation,
    }


def contact_for(caller: Caller, email: str, name: str) -> Contact:
    """The resident acting: the signed-in account's contact, else one by the e-mail given."""
    if caller.user:
        email, name = caller.user.email, caller.user.get_full_name()
    email = clean_email(email)
    if not email:
        raise ValidationError({"email": [_("Give an e-mail address, or sign in.")]})
    return actions.upsert_contact(actions.ContactDetails(name=name, email=email))
