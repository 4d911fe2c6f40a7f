"""API keys: issuing them, checking them, and holding each client to its rate limit.

Keys are stored only as hashes (`ApiClient.key_hash`), so a key is shown once when it is
made. Rate limits count requests per client and minute in the store every process shares
(fixboard.core.limits).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from fixboard.core import limits
from fixboard.core.compiled import CompiledQuery
from fixboard.places.models import Jurisdiction

from . import scope
from .actions import rotate_api_key, save_api_client
from .models import ApiClient, hash_api_key


def client_for_key(key: str) -> ApiClient | None:
    """The active client holding this key, or None for an unknown, revoked or empty key."""
    key = key.strip()
    if not key:
        return None
    return (
        ApiClient.objects.filter(key_hash=hash_api_key(key), active=True)
        .prefetch_related("jurisdictions")
        .first()
    )


# The columns a write needs; any other field of the client loads when first used.
_CLIENT_FIELDS = ("id", "name", "key_hash", "rate_limit_per_minute", "active")
_CLIENT_AND_GRANT = CompiledQuery(
    lambda key_hash, jurisdiction: (
        ApiClient.objects.filter(key_hash=key_hash, active=True)
        .annotate(
            granted=Exists(
                ApiClient.jurisdictions.through.objects.filter(
                    apiclient=OuterRef("pk"), jurisdiction_id=jurisdiction
                )
            )
        )
        .values(*_CLIENT_FIELDS, "granted")
        .order_by()[:1]
    ),
    key_hash="\x00key hash",
    jurisdiction=-311,
)


def client_and_grant(key: str, jurisdiction: Jurisdiction) -> tuple[ApiClient | None, bool]:
    """(the active client holding this key, whether it may act in `jurisdiction`): one
    query, where `client_for_key` and `scope.may_act_in` take two."""
    key = key.strip()
    if not key:
        return None, False
    row = _CLIENT_AND_GRANT.first(key_hash=hash_api_key(key), jurisdiction=jurisdiction.pk)
    if row is None:
        return None, False
    client = ApiClient.from_db(
        connection.alias, _CLIENT_FIELDS, [row[name] for name in _CLIENT_FIELDS]
    )
    if row["granted"]:
        scope.remember_grant(client, jurisdiction.pk)
    return client, bool(row["granted"])


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def take_rate_limit(client: ApiClient) -> RateLimit:
    """Count one request against the client's limit for the current minute."""
    limit = client.rate_limit_per_minute
    # Keyed by the key's hash, so a rotated key starts afresh.
    usage = limits.take(None, "apikey", client.key_hash[:16], f"{limit}/m")
    return RateLimit(
        allowed=usage.allowed,
        limit=limit,
        remaining=max(0, limit - usage.count),
        retry_after=usage.retry_after,
    )


def _jurisdictions(slugs: list[str]) -> list[Jurisdiction]:
    if not slugs:
        everything = list(Jurisdiction.objects.all()[:2])
        if len(everything) == 1:
            return everything
        known = ", ".join(Jurisdiction.objects.values_list("slug", flat=True)) or _("none yet")
        raise ValidationError(
            {
                "jurisdiction": [
                    _("Name the jurisdictions this client may post to (known: %(k)s).")
                    % {"k": known}
                ]
            }
        )
    found = {j.slug: j for j in Jurisdiction.objects.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        known = ", ".join(Jurisdiction.objects.values_list("slug", flat=True)) or _("none yet")
        raise ValidationError(
            {
                "jurisdiction": [
                    _("No jurisdiction %(s)s (known: %(k)s).")
                    % {"s": ", ".join(unknown), "k": known}
                ]
            }
        )
    return [found[s] for s in slugs]


@transaction.atomic
def issue_api_key(
    *,
    name: str,
    jurisdiction_slugs: list[str],
    rate_limit_per_minute: int | None = None,
    rotate: bool = False,
    actor: str = "fixboard create-api-key",
) -> tuple[ApiClient, str]:
    """Create the client `name` with a new key, or give an existing one a new key (`rotate`).

    Without jurisdictions the client may post to the installation's only jurisdiction.
    Returns the client and the key, which is not stored and cannot be shown again.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the client a name.")]})
    client = ApiClient.objects.filter(name=name).first()
    if client is not None and not rotate:
        raise ValidationError(
            {
                "name": [
                    _(
                        "A client %(n)s already exists; pass --rotate to replace its key "
                        "(the old key stops working)."
                    )
                    % {"n": name}
                ]
            }
        )
    data = {}
    if client is None or jurisdiction_slugs:
        data["jurisdictions"] = _jurisdictions(jurisdiction_slugs)
    if rate_limit_per_minute is not None:
        data["rate_limit_per_minute"] = rate_limit_per_minute
    if client is None:
        return save_api_client(actor=actor, data={"name": name, **data})
    if data:
        client, _key = save_api_client(actor=actor, data=data, client=client)
    key = rotate_api_key(actor=actor, client=client)
    client.refresh_from_db()
    return client, key
