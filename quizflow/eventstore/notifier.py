"""The subscribers' wake-up: a NOTIFY sent after commits, off the append path, coalesced."""

from __future__ import annotations

import threading
from typing import Any

import psycopg

CHANNEL = "quizflow_events"
# A NOTIFY is a transaction of its own that takes the cluster's notification lock to commit:
# sent often by many writer processes they cost append throughput and p99 (bench/README.md).
# At one every 250 ms per process the cost is lost in the noise, and no subscriber waits for
# it: see HOT_WINDOW_S.
NOTIFY_INTERVAL_S = 0.25
# A subscriber that delivered an event less than this long ago polls (every HOT_POLL_S) instead
# of waiting for a NOTIFY. The window is well over twice the notify interval, so an event a
# rate-limited notifier has not announced yet always finds its subscribers polling: the event
# that started the notifier's interval woke them, and they stay hot past the interval's end.
HOT_WINDOW_S = 2.0
HOT_POLL_S = 0.02


class Notifier:
    """Sends the subscribers' wake-up after commits, off the append path, coalesced.

    Appends only set a flag; one thread sends a NOTIFY when the flag is up, at most one per
    ``NOTIFY_INTERVAL_S``: any number of appends in between fold into the next one, so no
    append waits for the notification lock (one per append, inside it, serialised every
    commit: 440 appends/s instead of 1,100). The first append after a quiet interval is
    announced at once, so an idle subscriber wakes within a millisecond or two; while events
    flow, subscribers poll (``HOT_WINDOW_S``). A process that dies between its commit and its
    NOTIFY delays subscribers until their fallback poll, never loses an event: the wake-up is a
    hint, the read is the truth.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._pending = threading.Event()
        self._closed = threading.Event()
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
        if not self._pending.is_set():  # set() takes a lock; most appends find it set already
            self._pending.set()

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while True:
            self._pending.wait()
            if self._closed.is_set():
                break
            self._pending.clear()
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self._url, autocommit=True)
                conn.execute("select pg_notify(%s, '')", (CHANNEL,))
            except psycopg.Error:
                conn = None  # subscribers fall back to polling; the next append retries
            if self._closed.wait(NOTIFY_INTERVAL_S):
                break
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._closed.set()
        self._pending.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
