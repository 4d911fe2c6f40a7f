from django.urls import path

from .views import queue, signin

app_name = "work"

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("logout/", signin.SignOutView.as_view(), name="logout"),
    path("queue/", queue.queue, name="queue"),
]
