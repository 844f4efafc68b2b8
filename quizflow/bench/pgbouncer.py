"""PgBouncer in transaction mode in front of one PostgreSQL server, for benchmarks and tests.

Runs the system's ``pgbouncer`` (Debian's package) on a loopback port the OS picks, with a
generated configuration: every database of the server (``*``), pool mode ``transaction``,
SCRAM authentication against a user list of the given logins and their passwords (PgBouncer
logs in to the server with the same password). A production PgBouncer is configured by its
operator; docs/database-roles.md shows the settings that matter.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict

DEBIAN_BINARY = "/usr/sbin/pgbouncer"


def pgbouncer_binary() -> str | None:
    """Where PgBouncer is installed (None: it is not)."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return DEBIAN_BINARY if os.access(DEBIAN_BINARY, os.X_OK) else None


class PgBouncerError(RuntimeError):
    pass


class PgBouncer:
    """A PgBouncer process; ``start()`` then ``url(...)``, ``stop()`` (or ``with``).

    ``logins``: role -> password, the roles clients may connect as. ``pool_size``: server
    connections per database and role."""

    def __init__(
        self,
        server_url: str,
        logins: Mapping[str, str],
        *,
        pool_size: int = 20,
        max_clients: int = 2000,
    ) -> None:
        binary = pgbouncer_binary()
        if binary is None:
            raise PgBouncerError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        self._binary = binary
        self._server_url = server_url
        self._logins = dict(logins)
        self._pool_size = pool_size
        self._max_clients = max_clients
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def url(self, database: str, role: str) -> str:
        """A URL of ``database`` as ``role`` through this PgBouncer."""
        password = quote(self._logins[role], safe="")
        return f"postgresql://{quote(role, safe='')}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> PgBouncer:
        self._dir = Path(tempfile.mkdtemp(prefix="quizflow-pgbouncer-"))
        # PgBouncer refuses to run as root: it then runs as the user the server's unix socket
        # belongs to (the embedded server's system user), which can reach that socket.
        user = self._run_as()
        for _ in range(3):  # a port the OS just gave out may be taken before PgBouncer binds it
            self.port = _free_port()
            self._write_files(user)
            args = [self._binary, *(["-u", user] if user else []), str(self._dir / "pgbouncer.ini")]
            self._process = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if self._wait_listening(timeout):
                return self
        self.stop()
        raise PgBouncerError(f"pgbouncer did not start:\n{self.log_tail()}")

    def _wait_listening(self, timeout: float) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return True
            time.sleep(0.05)
        raise PgBouncerError(f"pgbouncer did not listen within {timeout:.0f}s:\n{self.log_tail()}")

    def _server_address(self) -> tuple[str, str]:
        params = conninfo_to_dict(self._server_url)
        return str(params.get("host") or "127.0.0.1"), str(params.get("port") or 5432)

    def _run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        host, _ = self._server_address()
        owner = Path(host).stat().st_uid if host.startswith("/") else 0
        return pwd.getpwuid(owner).pw_name if owner != 0 else "nobody"

    def _write_files(self, user: str | None) -> None:
        assert self._dir is not None
        host, port = self._server_address()
        userlist = "".join(
            f'"{_quoted(role)}" "{_quoted(password)}"\n' for role, password in self._logins.items()
        )
        ini = f"""\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
pool_mode = transaction
auth_type = scram-sha-256
auth_file = {self._dir / "userlist.txt"}
default_pool_size = {self._pool_size}
max_client_conn = {self._max_clients}
logfile = {self._dir / "pgbouncer.log"}
pidfile = {self._dir / "pgbouncer.pid"}
log_disconnections = 0
"""
        for name, text in (("userlist.txt", userlist), ("pgbouncer.ini", ini)):
            path = self._dir / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(text)
        if user is not None:
            entry = pwd.getpwnam(user)
            for path in (self._dir, *self._dir.iterdir()):
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def log(self) -> str:
        if self._dir is None:
            return ""
        with contextlib.suppress(OSError):
            return (self._dir / "pgbouncer.log").read_text()
        return ""

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quoted(text: str) -> str:
    """A user list field's text (a double quote inside is doubled)."""
    return text.replace('"', '""')


def logins_seen(log: str, database: str) -> set[str]:
    """The roles PgBouncer's log shows logging in to ``database``."""
    found = set()
    for line in log.splitlines():
        _, marker, rest = line.partition("login attempt: ")
        if marker:
            fields = dict(part.split("=", 1) for part in rest.split() if "=" in part)
            if fields.get("db") == database and "user" in fields:
                found.add(fields["user"])
    return found
