from django.dispatch import Signal

# Sent after the transaction that recorded a timeline event commits, with `event` (its
# `request` attached), `event_id`, `request_id` and `kind`. Edges (notifications, CRM
# forwarding, webhooks, map aggregates) listen here so the core never imports them.
event_recorded = Signal()

# Sent inside `submit_request`'s transaction once the request, its areas and its first
# event are written, with `request` and its `area_ids`: for derived data that must commit or
# roll back with the new request (map counts, public figures), at no extra commit. A
# listener's error aborts the submission.
request_submitted = Signal()

# Sent inside the transaction that records a request's SLA breach on its timeline, with
# `request` and `event`: for rules that act on overdue work (escalation).
sla_breached = Signal()
