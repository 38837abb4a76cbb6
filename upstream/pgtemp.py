"""A throwaway PostgreSQL cluster on a free loopback port (tests and benchmarks).

initdb into a temporary directory and pg_ctl start; as root, both run as the unprivileged
`postgres` user (Debian's postgresql package creates it). Needs Debian's `postgresql`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL is not installed: `apt-get install --no-install-recommends postgresql`")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TempCluster:
    def __init__(self, durable: bool = False):
        self.durable = durable  # fsync on (benchmarks) or off (tests)
        self.port = 0
        self.root: Path | None = None

    def _run(self, args: list[str]) -> None:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--"] + args
        result = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args)} failed: {result.stdout}{result.stderr}")

    def start(self) -> TempCluster:
        bindir = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="matou-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        data, sock = self.root / "data", self.root / "sock"
        self._run(["mkdir", "-p", str(sock)])
        self._run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"])
        self.port = free_port()
        options = (f"-p {self.port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
                   + ("" if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"))
        self._run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"), "-o", options,
                   "-w", "-t", "60", "start"])
        self._bindir = bindir
        return self

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def schema_url(self, schema: str) -> str:
        """A URL whose connections use a fresh schema (one per test: cheap isolation)."""
        import psycopg  # optional ([postgresql] extra), as in upstream/sql.py

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options={quote(f'-csearch_path={schema}')}"

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self._run([str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"])
        except PostgresUnavailable:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
