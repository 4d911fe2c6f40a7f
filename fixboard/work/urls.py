from django.urls import path

from .views import queue, security, signin

app_name = "work"

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.CodeView.as_view(), name="login-code"),
    path("logout/", signin.SignOutView.as_view(), name="logout"),
    path("account/security/", security.security, name="security"),
    path("queue/", queue.queue, name="queue"),
]
