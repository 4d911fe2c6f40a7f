"""A fresh, migrated database per measured run, on SQLite and on PostgreSQL.

Each engine builds a template once per `make bench` (migrations plus the real cities of
`bench.cities`, in a child process), then every run gets a copy: a file copy on SQLite,
`CREATE DATABASE … TEMPLATE` on PostgreSQL. So runs start from the same state and never
see each other's rows.
"""

import itertools
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from . import cities

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/"


class SQLiteEngine:
    name = "sqlite"
    label = "SQLite"

    def __init__(self, directory: Path):
        self.directory = directory
        self.template = directory / "template.sqlite3"
        self._copies = itertools.count()

    def unavailable(self) -> str | None:
        return None

    def version(self) -> str:
        return sqlite3.sqlite_version

    def create_template(self, ctx) -> dict:
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in self.directory.glob("*.sqlite3*"):
            path.unlink()
        return ctx.child(cities.setup_database, database_url=f"sqlite:///{self.template}")

    @property
    def template_url(self) -> str:
        return f"sqlite:///{self.template}"

    @contextmanager
    def fresh(self):
        """The URL of a new copy of the template, deleted afterwards."""
        copy = self.directory / f"run-{next(self._copies)}.sqlite3"
        shutil.copyfile(self.template, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for path in self.directory.glob(f"{copy.name}*"):
                path.unlink()

    def drop(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class PostgresEngine:
    name = "postgresql"
    label = "PostgreSQL"

    def __init__(self, server_url: str, database: str):
        self.server_url = server_url
        self.database = database
        self.run_database = f"{database}_run"

    def url(self, database: str) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    @property
    def template_url(self) -> str:
        return self.url(self.database)

    def _admin(self):
        return psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5)

    def unavailable(self) -> str | None:
        """Why PostgreSQL cannot be used (None when it can)."""
        try:
            with self._admin():
                return None
        except psycopg.Error as exc:
            return f"PostgreSQL is not reachable at {self.url('postgres')}: {exc}".strip()

    def version(self) -> str:
        with self._admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def _recreate(self, name: str, template: str | None = None) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(create)

    def create_template(self, ctx) -> dict:
        self._recreate(self.database)
        return ctx.child(cities.setup_database, database_url=self.template_url)

    @contextmanager
    def fresh(self):
        """The URL of a new database cloned from the template, dropped afterwards."""
        self._recreate(self.run_database, template=self.database)
        try:
            yield self.url(self.run_database)
        finally:
            self._drop(self.run_database)

    def _drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def drop(self) -> None:
        self._drop(self.run_database)
        self._drop(self.database)
