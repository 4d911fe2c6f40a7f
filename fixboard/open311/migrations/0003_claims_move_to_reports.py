from datetime import timedelta

from django.db import migrations
from django.utils import timezone

# The windows these keys had: an Idempotency-Key, and an identical POST ("fp:").
WINDOWS = {"key:": timedelta(hours=24), "fp:": timedelta(minutes=10)}


def answer_of(row: dict) -> dict:
    answer = {}
    if row["token"]:
        answer["token"] = row["token"]
    elif row["request__service_type__type"] == "realtime":
        answer["service_request_id"] = row["request__public_id"]
    answer["service_notice"] = row["request__service_type__notice"] or None
    answer["account_id"] = row["account_id"] or None
    return answer


def copy_live_claims(apps, schema_editor):
    # Keys still honoured move to reports' claims, so a retry across the upgrade replays.
    Submission = apps.get_model("open311", "Submission")
    SubmissionClaim = apps.get_model("reports", "SubmissionClaim")
    now = timezone.now()
    rows = Submission.objects.exclude(key="").filter(created_at__gt=now - max(WINDOWS.values()))
    claims = []
    for row in rows.values(
        "client_id",
        "key",
        "fingerprint",
        "request_id",
        "created_at",
        "token",
        "account_id",
        "request__public_id",
        "request__service_type__type",
        "request__service_type__notice",
    ):
        expires_at = row["created_at"] + WINDOWS[row["key"][: row["key"].index(":") + 1]]
        if expires_at > now:
            claims.append(
                SubmissionClaim(
                    scope=f"client:{row['client_id']}",
                    key=row["key"],
                    fingerprint=row["fingerprint"],
                    request_id=row["request_id"],
                    answer=answer_of(row),
                    created_at=row["created_at"],
                    expires_at=expires_at,
                )
            )
    SubmissionClaim.objects.bulk_create(claims, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0002_submission_holds_its_request"),
        ("reports", "0010_submission_claims"),
    ]

    operations = [
        migrations.RunPython(copy_live_claims, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="submission", name="submission_unique_key"),
        migrations.RemoveField(model_name="submission", name="fingerprint"),
        migrations.RemoveField(model_name="submission", name="key"),
    ]
