"""The CRM's services list and definitions, synchronised as the jurisdiction's service
types, through the same catalog loading (and domain functions) as saved answers."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from fixboard.catalog import open311_services
from fixboard.core.open311_answers import flag, text

from .client import Client, CrmError

# Who the audit log says changed the catalog.
SYNC = "fixboard sync-crm-services"


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def sync_services(endpoint, *, client: Client | None = None) -> SyncResult:
    """Create or update a service type per CRM service (its own code, so no mapping is
    needed), with the questions of those that have metadata. Raises CrmError when the
    services list cannot be read; a definition that cannot be read is skipped with why."""
    client = client or Client(endpoint)
    services = client.services()
    loaded = open311_services.load_services(
        jurisdiction=endpoint.jurisdiction, services=services, actor=SYNC
    )
    result = SyncResult(loaded.created, loaded.updated, list(loaded.skipped))
    for item in services:
        code = text(item.get("service_code"))
        if not flag(item.get("metadata")) or code not in loaded.created + loaded.updated:
            continue
        try:
            definition = client.definition(code)
            definition.setdefault("service_code", code)
            open311_services.load_definition(
                jurisdiction=endpoint.jurisdiction, definition=definition, actor=SYNC
            )
        except (CrmError, ValidationError) as exc:
            result.skipped.append(f"{code}: {exc}")
    return result
