"""The read-only admin of Open311 submissions."""

import pytest

from fixboard.open311.models import Submission
from tests.factories import INSIDE_WEST

pytestmark = pytest.mark.django_db


def test_admins_see_submissions_and_cannot_change_them(admin_client, client, city, api_key):
    client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": INSIDE_WEST[0],
            "long": INSIDE_WEST[1],
            "attribute[depth]": "deep",
            "device_id": "phone-123",
        },
    )
    submission = Submission.objects.get()
    listing = admin_client.get("/admin/open311/submission/")
    assert listing.status_code == 200
    assert submission.request.public_id in listing.content.decode()
    detail = admin_client.get(f"/admin/open311/submission/{submission.pk}/change/")
    assert detail.status_code == 200 and "phone-123" in detail.content.decode()
    assert admin_client.get("/admin/open311/submission/add/").status_code == 403
