"""Development: texts are written to the process's standard output and log, not sent."""

import logging
import sys
import uuid

from django.conf import settings

from . import Backend as BaseBackend

logger = logging.getLogger(__name__)


class Backend(BaseBackend):
    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        sys.stdout.write(f"Text {message_id}\nFrom: {settings.SMS_FROM}\nTo: {to}\n\n{body}\n\n")
        sys.stdout.flush()
        logger.info("Text %s to %s written to the console", message_id, to)
        return message_id
