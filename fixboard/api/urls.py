import functools

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.catalog.languages import asked_language

from .api import api
from .errors import answer_body_limits


def _head_as_get(view):
    # ninja routes only the methods it documents; answer a HEAD as the GET without its body.
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
        return response

    return wrapper


def _in_asked_language(view):
    # `?lang=es` over Accept-Language (LocaleMiddleware's choice), for clients that cannot
    # set headers; the catalog's texts and the messages follow it.
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        language = asked_language(request.GET.get("lang", "")) or translation.get_language()
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper


# (Not unpacked into module names: include() would take `app_name` for this module's.)
ninja_urls = api.urls
for pattern in ninja_urls[0]:
    pattern.callback = _in_asked_language(_head_as_get(answer_body_limits(api, pattern.callback)))


def _unknown_operation(request):
    """Clients of the API get its JSON problem shape for a wrong path too, not an HTML page."""
    body = {
        "title": _("There is no such API operation."),
        "status": 404,
        "detail": "",
        "errors": {},
    }
    return JsonResponse(body, status=404)


urlpatterns = [path("v1/", ninja_urls), re_path(r"^v1/", _unknown_operation)]
