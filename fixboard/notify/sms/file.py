"""Tests: every text is a JSON file in SMS_FILE_DIR, read back with `sent_messages`."""

import json
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import Backend as BaseBackend


class Backend(BaseBackend):
    def __init__(self):
        self.directory = Path(settings.SMS_FILE_DIR)

    def send(self, *, to: str, body: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        message_id = f"file-{uuid.uuid4().hex}"
        now = timezone.now()
        message = {
            "id": message_id,
            "to": to,
            "from": settings.SMS_FROM,
            "body": body,
            "sent_at": now.isoformat(),
        }
        # Written under a temporary name and renamed: a reader never sees half a message.
        path = self.directory / f"{now:%Y%m%d%H%M%S%f}-{message_id}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
        partial.rename(path)
        return message_id

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        for message in reversed(sent_messages(self.directory)):
            if (
                message["to"] == to
                and message["body"] == body
                and datetime.fromisoformat(message["sent_at"]) >= since
            ):
                return message["id"]
        return None


def sent_messages(directory) -> list[dict]:
    """The texts the file backend wrote into `directory`, oldest first: dicts with id, to,
    from, body and sent_at (ISO 8601)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    ]
