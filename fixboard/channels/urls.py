from django.urls import path

from . import panel, voice, webhooks

app_name = "channels"

urlpatterns = [
    path("phone-line/", panel.phone_line, name="phone-line"),
    path("sms/inbound/", webhooks.sms_inbound, name="sms-inbound"),
    path("voice/<slug:slug>/", voice.incoming, name="voice"),
    path("voice/<slug:slug>/hold/", voice.hold, name="voice-hold"),
    path("voice/<slug:slug>/hold/key/", voice.key, name="voice-key"),
]
