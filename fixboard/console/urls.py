from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("calls/", views.start, name="start"),
    path("calls/<int:pk>/caller/", views.caller, name="caller"),
    path("calls/<int:pk>/change-caller/", views.change_caller, name="change_caller"),
    path("calls/<int:pk>/place/", views.place, name="place"),
    path("calls/<int:pk>/places/", views.places, name="places"),
    path("calls/<int:pk>/problem/", views.problem, name="problem"),
    path("calls/<int:pk>/problems/", views.problems, name="problems"),
    path("calls/<int:pk>/create/", views.create, name="create"),
    path("calls/<int:pk>/add/<str:public_id>/", views.add, name="add"),
    path("calls/<int:pk>/status-given/", views.status_given, name="status_given"),
    path("calls/<int:pk>/informational/", views.informational, name="informational"),
    path("calls/<int:pk>/text/", views.text, name="text"),
    path("calls/<int:pk>/email/", views.email, name="email"),
    path("calls/<int:pk>/end/", views.end, name="end"),
]
