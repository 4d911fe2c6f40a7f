"""The only way to change staff accounts and API clients.

Each function validates (ValidationError with errors per field), writes in one
transaction and records the change on the audit log. Passwords and keys are never
logged, only that they changed. `actor` is the user who made the change, or the name of
the command or system that did.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fixboard.audit import log
from fixboard.audit.models import AuditEntry
from fixboard.core.writes import apply_fields, fresh_copy

from .models import ApiClient, User

CLIENT_FIELDS = ("name", "jurisdictions", "rate_limit_per_minute", "active")
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "jurisdictions",
    "departments",
    "granted_departments",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "last_login",
    "date_joined",
)


def _home(account):
    """The one jurisdiction a user or API client works in, whose admins then see its audit
    entries; None (superusers only) for an account of several."""
    homes = list(account.jurisdictions.all()[:2])
    return homes[0] if len(homes) == 1 else None


def _record(actor, obj, before: dict, after: dict, *, secrets=()) -> None:
    log.record_change(
        actor=actor, obj=obj, before=before, after=after, secrets=secrets, jurisdiction=_home(obj)
    )


def _save(obj, many: dict) -> None:
    obj.save()
    for name, values in many.items():
        getattr(obj, name).set(values)


# API clients


def _checked_client(data: dict, client: ApiClient | None, *, lock: bool):
    current = fresh_copy(ApiClient, client, lock=lock)
    before = log.state(current, CLIENT_FIELDS) if current.pk else {}
    errors, many = apply_fields(
        current, data, CLIENT_FIELDS, exclude=["key_prefix", "key_hash"], validate_unique=True
    )
    granted = many.get("jurisdictions", None if current.pk else [])
    if granted is not None and not granted:
        errors["jurisdictions"] = [_("Choose the jurisdictions this client may post to.")]
    if "rate_limit_per_minute" in data and (current.rate_limit_per_minute or 0) < 1:
        errors["rate_limit_per_minute"] = [_("The rate limit must be at least 1 a minute.")]
    if errors:
        raise ValidationError(errors)
    return current, before, many


def check_api_client(*, data: dict, client: ApiClient | None = None) -> None:
    """Raise the ValidationError `save_api_client` would for `data`, writing nothing."""
    _checked_client(data, client, lock=False)


@transaction.atomic
def save_api_client(
    *, actor: log.Actor, data: dict, client: ApiClient | None = None
) -> tuple[ApiClient, str | None]:
    """Create a client with a new key (`client` None) or change the fields in `data`.

    Returns the client and, for a new one, its key: stored only as a hash, shown once.
    """
    current, before, many = _checked_client(data, client, lock=True)
    key = None if current.pk else current.set_new_key()
    _save(current, many)
    after = log.state(current, CLIENT_FIELDS)
    if key:
        after["key_prefix"] = current.key_prefix
    _record(actor, current, before, after, secrets=["key"] if key else [])
    return current, key


@transaction.atomic
def rotate_api_key(*, actor: log.Actor, client: ApiClient) -> str:
    """Give the client a new key and return it; the old key stops working at once."""
    current = fresh_copy(ApiClient, client, lock=True)
    before = current.key_prefix
    key = current.set_new_key()
    current.save(update_fields=["key_prefix", "key_hash"])
    changes = {"key_prefix": [before, current.key_prefix], **log.secret_changed("key")}
    log.record(
        actor=actor,
        action=AuditEntry.Action.KEY_ISSUED,
        obj=current,
        changes=changes,
        jurisdiction=_home(current),
    )
    return key


def revoke_api_client(*, actor: log.Actor, client: ApiClient) -> ApiClient:
    """Stop accepting the client's key (it may be made active again in the admin)."""
    current, _key = save_api_client(actor=actor, data={"active": False}, client=client)
    return current


# Users


def _department_errors(user: User, many: dict) -> dict:
    names = ("jurisdictions", "departments", "granted_departments")
    if not any(name in many for name in names):
        return {}
    jurisdictions = many.get("jurisdictions", user.jurisdictions.all() if user.pk else [])
    allowed = {j.pk for j in jurisdictions}
    errors = {}
    for name in names[1:]:
        departments = many.get(name, getattr(user, name).all() if user.pk else [])
        messages = [
            _("%(d)s is a department of %(j)s: add %(j)s to the jurisdictions too.")
            % {"d": d, "j": d.jurisdiction}
            for d in departments
            if d.jurisdiction_id not in allowed
        ]
        if messages:
            errors[name] = messages
    return errors


def _checked_user(data: dict, user: User | None, password: str | None, *, lock: bool):
    current = fresh_copy(User, user, lock=lock)
    before = log.state(current, USER_FIELDS) if current.pk else {}
    if "username" in data:
        data = {**data, "username": User.normalize_username(data["username"])}
    errors, many = apply_fields(
        current, data, USER_FIELDS, exclude=["password"], validate_unique=True
    )
    errors.update(_department_errors(current, many))
    if password:
        try:
            validate_password(password, current)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return current, before, many


def check_user(*, data: dict, user: User | None = None, password: str | None = None) -> None:
    """Raise the ValidationError `save_user` would, writing nothing (for forms)."""
    _checked_user(data, user, password, lock=False)


@transaction.atomic
def save_user(
    *, actor: log.Actor, data: dict, user: User | None = None, password: str | None = None
) -> User:
    """Create a user (`user` None) or change the fields named in `data`: role,
    jurisdictions and departments (each department's jurisdiction among them), rights.

    `password`, when given, replaces the password; a new user without one cannot sign in
    with a password until one is set.
    """
    current, before, many = _checked_user(data, user, password, lock=True)
    if password:
        current.set_password(password)
    elif current.pk is None:
        current.set_unusable_password()
    _save(current, many)
    after = log.state(current, USER_FIELDS)
    _record(actor, current, before, after, secrets=["password"] if password else [])
    return current


@transaction.atomic
def set_password(*, actor: log.Actor, user: User, password: str | None) -> User:
    """Replace the user's password (None: no password sign-in at all)."""
    current = fresh_copy(User, user, lock=True)
    if password:
        try:
            validate_password(password, current)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        current.set_password(password)
    else:
        current.set_unusable_password()
    current.save(update_fields=["password"])
    log.record(
        actor=actor,
        action=AuditEntry.Action.CHANGED,
        obj=current,
        changes=log.secret_changed("password"),
        jurisdiction=_home(current),
    )
    return current
