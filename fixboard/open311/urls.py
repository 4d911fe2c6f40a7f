"""Open311 GeoReport v2 under /open311/v2/, every resource in .xml and .json."""

from django.urls import re_path

from . import views

app_name = "open311"

# The format is whatever follows the last dot; the views answer unknown ones with a 404.
FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^v2/discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FORMAT, views.services, name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[^/]+?)" + FORMAT,
        views.service_definition,
        name="service-definition",
    ),
    re_path(r"^v2/requests" + FORMAT, views.requests, name="requests"),
    re_path(
        r"^v2/requests/(?P<service_request_id>[^/]+?)" + FORMAT,
        views.request_detail,
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]+?)" + FORMAT, views.token, name="token"),
    re_path(r"^v2/servicerequestupdates" + FORMAT, views.request_updates, name="request-updates"),
    # Anything else under v2 is still answered in Open311's terms: an error body, not HTML.
    re_path(r"^v2/(?P<path>.*?)(?:" + FORMAT[:-1] + r")?$", views.unknown_path),
]
