"""One SQL layer for SQLite and PostgreSQL: plain DB-API (sqlite3, psycopg 3) and a tiny shim.

Why not SQLAlchemy: the statements are few and portable (ON CONFLICT, RETURNING, CASE, LIMIT
exist on both); the shim only turns `?` into `%s` for psycopg, maps one DDL token
(`{id}` -> an auto id column) and opens transactions the same way (SQLite: BEGIN IMMEDIATE,
so writers queue on the busy timeout instead of failing on a lock upgrade; PostgreSQL:
autocommit connections with explicit transaction blocks). Rows are dicts on both engines.
One connection per thread (uvicorn runs sync work in a thread pool).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from edge.protocol.private_files import DIR_MODE, create_private, private_sqlite

DDL_TOKENS = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY"},
}


def _dict_row(cursor, row):
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class Database:
    def __init__(self, url: str | Path):
        self.url = str(url)
        self.dialect = "postgresql" if self.url.startswith(("postgresql://", "postgres://")) else "sqlite"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list = []
        self._sql_cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Database({self.dialect})"

    # -- connections ---------------------------------------------------------------------------
    def _connect(self):
        if self.dialect == "postgresql":
            import psycopg  # optional ([postgresql] extra): loaded only for a postgresql:// URL
            from psycopg.rows import dict_row

            conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        else:
            path = self.url.removeprefix("sqlite:///").removeprefix("sqlite://")
            on_disk = path != ":memory:" and not path.startswith("file:")
            if on_disk:  # every store's keys and PIN hashes: 0600, a new dir 0700, whatever the umask
                Path(path).parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                create_private(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = _dict_row
            if on_disk:
                private_sqlite(path)
        with self._lock:
            self._connections.append(conn)
        return conn

    @property
    def conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(conn, "closed", False):
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
            self._connections.clear()
        self._local = threading.local()

    # -- statements ----------------------------------------------------------------------------
    def sql(self, text: str) -> str:
        if self.dialect == "sqlite":
            return text
        cached = self._sql_cache.get(text)
        if cached is None:
            cached = self._sql_cache[text] = text.replace("%", "%%").replace("?", "%s")
        return cached

    def execute(self, text: str, params: tuple | list = ()):
        return self.conn.execute(self.sql(text), tuple(params))

    def executemany(self, text: str, rows: list) -> None:
        if self.dialect == "sqlite":
            self.conn.executemany(text, rows)
        else:
            with self.conn.cursor() as cursor:
                cursor.executemany(self.sql(text), rows)

    def query(self, text: str, params: tuple | list = ()) -> list[dict]:
        return list(self.execute(text, params).fetchall())

    def one(self, text: str, params: tuple | list = ()) -> dict | None:
        return self.execute(text, params).fetchone()

    def scalar(self, text: str, params: tuple | list = ()):
        row = self.one(text, params)
        return None if row is None else next(iter(row.values()))

    @contextmanager
    def tx(self):
        """A write transaction; commits on success, rolls back on any exception."""
        conn = self.conn
        if self.dialect == "postgresql":
            with conn.transaction():
                yield self
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def script(self, ddl: str) -> None:
        ddl = ddl.format(**DDL_TOKENS[self.dialect])
        for statement in ddl.split(";"):
            if statement.strip():
                self.execute(statement)
