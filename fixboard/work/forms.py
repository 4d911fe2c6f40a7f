"""Forms of the work queue's actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.models import User
from fixboard.catalog.models import Department
from fixboard.core.widgets import QuickSelect
from fixboard.reports.attributes import MAX_TEXT
from fixboard.reports.models import CloseReason, Status

from .filters import assignable_departments, people_choices, person

# A selection is at most a few pages of the queue.
BULK_MAX = 500


class BulkForm(forms.Form):
    """One action for the selected requests; each request then goes through the domain."""

    ACTIONS = [
        ("assign", _("Assign")),
        ("acknowledge", _("Acknowledge")),
        ("status", _("Change status")),
        ("close", _("Close")),
    ]
    ids = forms.CharField(required=False, widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.TypedChoiceField(
        label=_("Assign to person"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    department = forms.TypedChoiceField(
        label=_("Assign to department"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            ("", "—"),
            (Status.ACKNOWLEDGED, Status.ACKNOWLEDGED.label),
            (Status.IN_PROGRESS, Status.IN_PROGRESS.label),
        ],
        required=False,
    )
    # Duplicates are merged one by one from their work view: a merge needs the other request.
    close_reason = forms.ChoiceField(
        label=_("Close reason"),
        choices=[("", "—"), *(c for c in CloseReason.choices if c[0] != CloseReason.DUPLICATE)],
        required=False,
    )
    message = forms.CharField(
        label=_("Public message to the residents"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_TEXT,
        required=False,
    )

    def __init__(self, data=None, *, user: User):
        super().__init__(data, auto_id="bulk-%s")
        self.user = user = person(user)
        self.fields["assignee"].choices = [("", _("(no change)")), *people_choices(user)]
        self.fields["department"].choices = [
            ("", _("(no change)")),
            *assignable_departments(user),
        ]

    def selected_ids(self) -> list[str]:
        ids = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        return list(dict.fromkeys(i.strip() for i in ids if i.strip()))

    def clean(self):
        data = super().clean()
        ids = self.selected_ids()
        if not ids:
            self.add_error(None, _("Select at least one request."))
        elif len(ids) > BULK_MAX:
            self.add_error(None, _("Select at most %(n)d requests at once.") % {"n": BULK_MAX})
        action = data.get("action")
        if action == "assign" and not (data.get("assignee") or data.get("department")):
            self.add_error("assignee", _("Choose a person or a department."))
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "close":
            if not data.get("close_reason"):
                self.add_error("close_reason", _("Say why the requests are closed."))
            if not (data.get("message") or "").strip():
                self.add_error("message", _("Write the message the residents will read."))
        data["ids"] = ids
        # The chosen person and department, as the domain takes them.
        if data.get("assignee"):
            data["assignee"] = User.objects.get(pk=data["assignee"])
        if data.get("department"):
            data["department"] = Department.objects.get(pk=data["department"])
        return data
