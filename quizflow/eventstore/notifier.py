"""The subscribers' wake-up: a NOTIFY sent after commits, off the append path, coalesced."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

CHANNEL = "quizflow_events"
_NOTIFY_INTERVAL_S = 0.02


class Notifier:
    """Sends the subscribers' wake-up after commits, off the append path, coalesced.

    Appends only set a flag; one thread sends a NOTIFY when the flag is up, at most one per
    ``_NOTIFY_INTERVAL_S``: any number of appends in between fold into the next one, so no
    append waits for the notification lock and a busy process sends at most 50 a second
    (one per append cost ~0.2 ms of each append's time). An idle subscriber still wakes within
    the interval. A process that dies between its commit and its NOTIFY delays subscribers
    until their fallback poll, never loses an event: the wake-up is a hint, the read is the
    truth.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._pending = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="quizflow-notifier", daemon=True
                    )
                    self._thread.start()
        self._pending.set()

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while True:
            self._pending.wait()
            if self._closed:
                break
            self._pending.clear()
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self._url, autocommit=True)
                conn.execute("select pg_notify(%s, '')", (CHANNEL,))
            except psycopg.Error:
                conn = None  # subscribers fall back to polling; the next append retries
            time.sleep(_NOTIFY_INTERVAL_S)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._pending.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
