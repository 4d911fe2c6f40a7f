from django.urls import path

from .views import bulk, queue, saved_views, security, signin

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
]
