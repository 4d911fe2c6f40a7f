"""CSV and GeoJSON downloads of what the map or the list shows, with its filters.

The open-data export (`reports.exporting`, also behind `fixboard export-requests`) is
streamed as it is read, a chunk of requests at a time: memory stays flat at a million rows.
Its column names and codes never change; its texts (service names, departments, status
labels) are in the language `lang` names, which the pages' download links carry, else in the
default language: one address, one file, whoever fetches it (docs/web.md).
"""

from collections.abc import Iterator
from itertools import chain

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fixboard.catalog.languages import asked_language, default_language
from fixboard.reports.exporting import export

from ..selectors import jurisdiction_or_404
from .maps import _filters, request_filters

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
# Pieces are gathered to about this many characters before they are sent: one write per
# request row would cost a system call each.
BATCH = 64 * 1024


def _batched(pieces) -> Iterator[str]:
    batch, size = [], 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= BATCH:
            yield "".join(batch)
            batch, size = [], 0
    if size:
        yield "".join(batch)


@require_GET
def download(request, slug, fmt):
    jurisdiction = jurisdiction_or_404(slug)
    form, values = _filters(request, jurisdiction)
    if form.is_bound and not form.is_valid():
        problems = [f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
        message = _("These filters cannot be used:") + "\n" + "\n".join(problems) + "\n"
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    language = asked_language(request.GET.get("lang", "")) or default_language()
    written = export(
        jurisdiction=jurisdiction, format=fmt, filters=request_filters(values), language=language
    )
    response = StreamingHttpResponse(
        _batched(chain([written.head], written.records, [written.tail])),
        content_type=CONTENT_TYPES[fmt],
    )
    response["Content-Disposition"] = f'attachment; filename="{jurisdiction.slug}-requests.{fmt}"'
    response["Content-Language"] = language
    return response
