"""The REST API, version 1: what the web pages, apps and the widget use."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from . import areas, catalog, errors, requests, session
from .renderers import ORJSONRenderer

api = NinjaAPI(
    title="Fixboard API",
    version="1",
    description=str(
        _(
            "Public service requests, services and areas. Reads are open to anyone (CORS "
            "allowed); writes need an API key (X-Api-Key or Bearer) or the site's session "
            "with its CSRF token. See docs/api.md."
        )
    ),
    urls_namespace="api-v1",
    renderer=ORJSONRenderer(),
)
errors.install(api)
api.add_router("", requests.router)
api.add_router("", catalog.router)
api.add_router("", areas.router)
api.add_router("", session.router)
