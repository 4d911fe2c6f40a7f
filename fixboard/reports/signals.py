from django.dispatch import Signal

# Sent after the transaction that recorded a timeline event commits, with `event_id` and
# `request_id`. Edges (notifications, CRM forwarding, webhooks, map aggregates) listen here so
# the core never imports them.
event_recorded = Signal()
