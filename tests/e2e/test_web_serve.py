"""`quizflow serve` as a user starts it: a process on a port, OpenAPI docs, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_quizflow_serve_answers_on_its_port_and_stops_on_sigterm(
    pg_url: str, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "QUIZFLOW_DATABASE_URL": pg_url, "QUIZFLOW_HOME": str(tmp_path)}
    env.pop("QUIZFLOW_SECRET", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from quizflow.cli import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "quizflow serve did not answer"
                time.sleep(0.1)
        assert health.json()["read_model"]["running"] is True
        # Swagger UI would load from a CDN: off by default; the OpenAPI document stays.
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/signin").status_code == 200
        # The session secret was made once and kept private to its owner.
        secret = tmp_path / "secret"
        assert secret.exists() and secret.stat().st_mode & 0o077 == 0
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
    output = server.stdout.read().decode() if server.stdout else ""
    # It says where it serves once it does, for scripts that wait for that line.
    assert f"Quizflow serving on http://127.0.0.1:{port}/" in output, output
