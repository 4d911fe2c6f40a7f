from django.urls import path

from .views import bulk, queue, request, request_actions, saved_views, security, signin

app_name = "work"

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.CodeView.as_view(), name="login-code"),
    path("logout/", signin.SignOutView.as_view(), name="logout"),
    path("account/security/", security.security, name="security"),
    path("queue/", queue.queue, name="queue"),
    path("queue/count/", queue.queue_count, name="queue_count"),
    path("queue/seen/", queue.queue_seen, name="queue_seen"),
    path("queue/bulk/", bulk.bulk, name="queue_bulk"),
    path("queue/views/", saved_views.save, name="saved_view_save"),
    path("queue/views/<int:pk>/", saved_views.change, name="saved_view_change"),
    # The work view of one request (workview).
    path("queue/requests/<str:public_id>/", request.detail, name="request"),
    path(
        "queue/requests/<str:public_id>/photos/<int:photo_id>/",
        request.photo,
        name="request_photo",
    ),
    path(
        "queue/requests/<str:public_id>/canned/",
        request.canned_text,
        name="request_canned",
    ),
    path(
        "queue/requests/<str:public_id>/merge/preview/",
        request.merge_preview,
        name="request_merge_preview",
    ),
    path(
        "queue/requests/<str:public_id>/update/", request_actions.update_view, name="request_update"
    ),
    path(
        "queue/requests/<str:public_id>/assign/", request_actions.assign_view, name="request_assign"
    ),
    path(
        "queue/requests/<str:public_id>/status/", request_actions.status_view, name="request_status"
    ),
    path("queue/requests/<str:public_id>/merge/", request_actions.merge_view, name="request_merge"),
    path(
        "queue/requests/<str:public_id>/service-type/",
        request_actions.service_type_view,
        name="request_service_type",
    ),
    path(
        "queue/requests/<str:public_id>/location/",
        request_actions.location_view,
        name="request_location",
    ),
    path(
        "queue/requests/<str:public_id>/priority/",
        request_actions.priority_view,
        name="request_priority",
    ),
    path(
        "queue/requests/<str:public_id>/close-reason/",
        request_actions.close_reason_view,
        name="request_close_reason",
    ),
    path(
        "queue/requests/<str:public_id>/redact/description/",
        request_actions.redact_description_view,
        name="request_redact_description",
    ),
    path(
        "queue/requests/<str:public_id>/redact/events/<int:event_id>/",
        request_actions.redact_event_view,
        name="request_redact_event",
    ),
    path(
        "queue/requests/<str:public_id>/redact/photos/<int:photo_id>/",
        request_actions.redact_photo_view,
        name="request_redact_photo",
    ),
    path(
        "queue/requests/<str:public_id>/comments/<int:comment_id>/hide/",
        request_actions.moderate_view,
        {"hide": True},
        name="request_hide_comment",
    ),
    path(
        "queue/requests/<str:public_id>/comments/<int:comment_id>/restore/",
        request_actions.moderate_view,
        {"hide": False},
        name="request_restore_comment",
    ),
]
