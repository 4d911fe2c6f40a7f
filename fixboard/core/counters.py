"""A cache backend that only counts, in the database, atomically: the rate-limit store of
installations without Redis.

Django's DatabaseCache stores pickles and increments by read-then-write, so two processes
can both read 4 and both write 5. Here `add` is one INSERT guarded by the primary key and
`incr` one UPDATE ... SET count = count + 1 RETURNING count, so every process shares the
count exactly.
Its table comes with a migration: nothing to create by hand.
"""

import random
from datetime import UTC, datetime, timedelta

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

# One add in this many also deletes every expired counter, so the table stays small.
CULL_ONE_IN = 50


class CounterCache(BaseCache):
    """Integer values only: add, get, set, incr, delete (what django-ratelimit calls)."""

    def __init__(self, location, params):
        super().__init__(params)
        from .models import Counter

        self.model = Counter

    def _expiry(self, timeout):
        at = self.get_backend_timeout(timeout)  # a Unix time, or None for "never"
        if at is None:
            return timezone.now() + timedelta(days=365)  # never, for a rate-limit window
        return datetime.fromtimestamp(at, tz=UTC)

    def _live(self, key, version):
        key = self.make_and_validate_key(key, version=version)
        return self.model.objects.filter(key=key, expires__gt=timezone.now())

    def _run(self, sql: str, params: list):
        """One statement, its table and columns named `{table}`, `{count}`, `{key}`,
        `{expires}` in `sql`; the first row it returns. Raw SQL: counting is on every limited
        write, and building a queryset would cost more than the database's answer."""
        connection = connections[router.db_for_write(self.model)]
        quote = connection.ops.quote_name
        sql = sql.format(
            table=quote(self.model._meta.db_table),
            count=quote("count"),
            key=quote("key"),
            expires=quote("expires"),
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, now])
            return cursor.fetchone()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        # The common case: the window's counter exists; one read, no transaction.
        if self._run("SELECT 1 FROM {table} WHERE {key} = %s AND {expires} > %s", [key]):
            return False
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            expired = self.model.objects.filter(expires__lte=timezone.now())
            if random.randrange(CULL_ONE_IN) == 0:
                expired.delete()
            else:
                expired.filter(key=key).delete()
            try:
                with transaction.atomic(using=using):
                    self.model.objects.create(
                        key=key, count=int(value), expires=self._expiry(timeout)
                    )
            except IntegrityError:  # another process added it first
                return False
        return True

    def get(self, key, default=None, version=None):
        count = self._live(key, version).values_list("count", flat=True).first()
        return default if count is None else count

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self.model.objects.update_or_create(
            key=key, defaults={"count": int(value), "expires": self._expiry(timeout)}
        )

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        # One statement, so atomic on its own (RETURNING: PostgreSQL, SQLite 3.35+).
        row = self._run(
            "UPDATE {table} SET {count} = {count} + %s WHERE {key} = %s AND {expires} > %s"
            " RETURNING {count}",
            [delta, key],
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return bool(self._live(key, version).update(expires=self._expiry(timeout)))

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(self.model.objects.filter(key=key).delete()[0])

    def clear(self):
        self.model.objects.all().delete()
