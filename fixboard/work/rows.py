"""The rows of the work queue, written in Python.

Fifty rows of nine cells through the template engine were most of a queue page's time;
the markup is what the template made, and every value is escaped here (`escape`).
"""

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

SLA_WORDS = {
    "overdue": lambda: _("overdue"),
    "due_soon": lambda: _("due soon"),
    "on_time": lambda: _("on time"),
}


class Rows:
    """Writes a page's rows; the words and the date format are looked up once a page."""

    def __init__(self, can_bulk: bool):
        self.can_bulk = can_bulk
        self.date_format = get_format("SHORT_DATETIME_FORMAT")
        self.words = {
            "new": escape(_("new")),
            "unplaced": escape(_("not pinpointed")),
            "no_sla": escape(_("no SLA")),
            "unassigned": escape(_("unassigned")),
            **{state: escape(word()) for state, word in SLA_WORDS.items()},
        }

    def when(self, moment) -> str:
        return escape(dateformat.format(timezone.localtime(moment), self.date_format))

    def html(self, row: dict) -> SafeString:
        """One <tr>: `row` as the queue view builds it (r, url, why, sla, new)."""
        r, words = row["r"], self.words
        url, public_id = escape(row["url"]), escape(r.public_id)
        cells = []
        if self.can_bulk:
            label = escape(_("Select %(id)s") % {"id": r.public_id})
            cells.append(
                f'<td class="col-select"><input type="checkbox" name="ids" value="{public_id}"'
                f' form="bulk-form" aria-label="{label}"></td>'
            )
        new = f' <span class="badge badge-new">{words["new"]}</span>' if row["new"] else ""
        if not r.pinpointed:
            new += f' <span class="badge badge-unplaced">{words["unplaced"]}</span>'
        address = (
            f'<div class="small muted">{escape(_truncate(r.address, 60))}</div>'
            if r.address
            else ""
        )
        cells.append(f'<td><a href="{url}" class="queue-link">{public_id}</a>{new}{address}</td>')
        department = (
            f'<div class="small muted">{escape(r.department.name)}</div>' if r.department else ""
        )
        cells.append(f"<td>{escape(r.service_type.name)}{department}</td>")
        cells.append(
            f'<td><span class="badge status-{escape(r.status)}">'
            f"{escape(r.get_status_display())}</span></td>"
        )
        cells.append(f'<td class="why">{escape(row["why"])}</td>')
        state = row["sla"]
        label = words.get(state) or f'<span class="muted">{words["no_sla"]}</span>'
        due = f'<div class="small muted">{self.when(r.expected_at)}</div>' if r.expected_at else ""
        cells.append(f'<td class="sla sla-{escape(state)}">{label}{due}</td>')
        if r.assignee is None:
            cells.append(f'<td><span class="muted">{words["unassigned"]}</span></td>')
        else:
            name = r.assignee.get_full_name() or r.assignee.get_username()
            cells.append(f"<td>{escape(name)}</td>")
        cells.append(f"<td>{self.when(r.requested_at)}</td>")
        new_class = " is-new" if row["new"] else ""
        return mark_safe(  # noqa: S308 - every value above went through escape()
            f'<tr class="queue-row{new_class}" data-href="{url}" tabindex="-1">'
            + "".join(cells)
            + "</tr>"
        )


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
