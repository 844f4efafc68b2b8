"""The load process of `quizflow bench http`: simulated students over HTTP, in one asyncio loop.

Run as ``python -m quizflow.bench.http_load --url URL --students N --seconds S``; prints one
JSON document. A separate process from the server, so the server's figures include no client
work; each student has its own connection and cookie jar, as a browser would.

Each student signs in, picks a chapter, and does what the quiz page offers (start, answer,
next question, start over), viewing the question after every command as the page redirect
does; between any two requests it waits a random 0-1 s (so about 2 requests/s per student).

The client is a minimal HTTP/1.1 one (a kept-alive connection and a cookie per student), on
uvloop when present: the load shares the machine's two cores with the server and PostgreSQL,
and httpx cost ~3.5 ms of CPU per request (measured), which at 200 requests/s took most of a
core from the server it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from quizflow.content import load_course_file, sample_course_path

STUDENT_ID = "bench-student-{:05d}"
SIGN_IN_TIMEOUT_S = 600.0


@dataclass
class Recorder:
    """Latencies of requests that started inside the measured window, by kind."""

    window_start: float
    window_end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def record_lag(self, started: float, lag_ms: float) -> None:
        if self.window_start <= started < self.window_end:
            self.latencies["client_loop_lag"].append(max(0.0, lag_ms))

    def record(self, kind: str, started: float, elapsed: float, response: Response) -> None:
        if not self.window_start <= started < self.window_end:
            return
        if response.status_code >= 400:
            self.errors[f"{kind}:{response.status_code}"] += 1
        self.latencies[kind].append(elapsed * 1000)
        # The server's own time (Server-Timing): the rest is queueing, the wire and this client.
        timing = response.headers.get("server-timing", "")
        if timing.startswith("app;dur="):
            self.latencies[f"{kind}_in_app"].append(float(timing[8:]))


class HTTPError(Exception):
    pass


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HTTPError(f"HTTP {self.status_code}: {self.body[:200]!r}")


class Client:
    """One kept-alive HTTP/1.1 connection with a cookie jar of one site, as a browser tab."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the load client speaks plain http only: {base_url}")
        self.host, self.port = parts.hostname, parts.port or 80
        self._host_header = f"{self.host}:{self.port}"
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def request(
        self, method: str, path: str, json_body: Any = None, timeout: float | None = None
    ) -> Response:
        head = [f"{method} {path} HTTP/1.1", f"host: {self._host_header}"]
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            head.append("content-type: application/json")
        if body or method == "POST":
            head.append(f"content-length: {len(body)}")
        if self.cookies:
            head.append("cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        data = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        limit = timeout or self.timeout
        try:
            return await asyncio.wait_for(self._exchange(data), limit)
        except (ConnectionError, asyncio.IncompleteReadError):
            # The server closed the kept-alive connection between requests: once more, anew.
            await self.close()
            return await asyncio.wait_for(self._exchange(data), limit)

    async def _exchange(self, data: bytes) -> Response:
        if self._writer is None or self._reader is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        writer.write(data)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in head[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
            headers[name] = value
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                chunks.append((await reader.readexactly(size + 2))[:-2])
            await reader.readuntil(b"\r\n")
            body = b"".join(chunks)
        else:
            body = await reader.read()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, body)


def summary(values: list[float], seconds: float) -> dict[str, Any]:
    if not values:
        return {"count": 0, "rps": 0.0}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "count": len(values),
        "rps": round(len(values) / seconds, 1),
        "mean_ms": round(statistics.fmean(values), 2),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 2),
    }


class Student:
    def __init__(
        self,
        number: int,
        base_url: str,
        course: dict[str, Any],
        recorder: Recorder,
        rng: random.Random,
        password: str,
    ) -> None:
        self.user_id = STUDENT_ID.format(number)
        self.password = password
        self.client = Client(base_url)
        self.course = course
        self.questions = {q["question_id"]: q for c in course["chapters"] for q in c["questions"]}
        self.recorder = recorder
        self.rng = rng
        self.ability = rng.uniform(0.6, 0.95)  # chance of a right answer

    async def _timed(self, kind: str, method: str, path: str, json: Any = None) -> Response:
        started = time.perf_counter()
        response = await self.client.request(method, path, json)
        self.recorder.record(kind, started, time.perf_counter() - started, response)
        return response

    async def _pause(self) -> None:
        await asyncio.sleep(self.rng.random())

    async def sign_in(self) -> None:
        # Not measured, and queued behind the others' Argon2 checks (at most as many at once
        # as the server has cores, ~0.4 s each on a busy 2-core machine): a crowd of sign-ins
        # may take minutes.
        signed_in = await self.client.request(
            "POST",
            "/api/signin",
            {"username": self.user_id, "password": self.password},
            timeout=SIGN_IN_TIMEOUT_S,
        )
        signed_in.raise_for_status()

    async def run(self, until: float) -> None:
        try:
            while time.perf_counter() < until:
                chapter = self.rng.choice(self.course["chapters"])["chapter_id"]
                await self._take_quiz(f"/api/quizzes/{self.course['course_id']}/{chapter}", until)
        finally:
            await self.client.close()

    async def _take_quiz(self, quiz: str, until: float) -> None:
        acted = False
        while time.perf_counter() < until:
            await self._pause()
            view = (await self._timed("read", "GET", quiz)).json()
            actions = view.get("actions", [])
            if view.get("status") == "passed" and acted:
                return  # on to another chapter (a passed one is simply taken again)
            acted = True
            await self._pause()
            body: dict[str, Any] = {"command_id": str(uuid.uuid4())}
            if "answer" in actions and view.get("question"):
                question_id = view["question"]["question_id"]
                body.update(question_id=question_id, inputs=self._answer(question_id))
                await self._timed("write", "POST", f"{quiz}/answer", json=body)
            elif actions:
                await self._timed("command", "POST", f"{quiz}/{actions[0]}", json=body)
            else:
                return

    def _answer(self, question_id: str) -> dict[str, str]:
        question = self.questions[question_id]
        wrong = question.get("wrong_answers") or []
        if wrong and self.rng.random() > self.ability:
            return dict(self.rng.choice(wrong)["answer"])
        return {name: values[0] for name, values in question["accepted"].items()}


async def drive(
    base_url: str,
    students: int,
    seconds: float,
    warmup: float,
    first: int,
    seed: int,
    password: str,
) -> dict[str, Any]:
    course = load_course_file(sample_course_path())
    recorder = Recorder(0.0, 0.0)
    rng = random.Random(seed)
    crowd = [
        Student(first + n, base_url, course, recorder, random.Random(rng.random()), password)
        for n in range(students)
    ]
    # Students sign in spread over the warm-up, and the measured window opens only once every
    # one of them has, plus a settling second: a sign-in is a deliberately slow Argon2 check
    # (tens of ms of CPU), and sign-ins still running inside the window took CPU from the
    # requests measured there (the write p99 at 150 students varied 10-280 ms run to run).
    started = time.perf_counter()
    everyone_in = asyncio.Event()
    signed_in = 0

    async def start(student: Student, delay: float) -> None:
        nonlocal signed_in
        try:
            await asyncio.sleep(delay)
            await student.sign_in()
            signed_in += 1
            if signed_in == len(crowd):
                now = time.perf_counter()
                recorder.window_start, recorder.window_end = now + 1.0, now + 1.0 + seconds
                everyone_in.set()
            await everyone_in.wait()
            await student.run(recorder.window_end)
        finally:
            await student.client.close()

    async def watch_loop() -> None:
        # How late this process's own event loop wakes up: a busy or starved load generator
        # adds that much to every latency it measures.
        await everyone_in.wait()
        while time.perf_counter() < recorder.window_end:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            recorder.record_lag(before, (time.perf_counter() - before - 0.005) * 1000)

    tasks = [start(s, rng.uniform(0, max(0.0, warmup - 1.0))) for s in crowd]
    await asyncio.gather(watch_loop(), *tasks)
    sign_in_s = recorder.window_start - 1.0 - started
    kinds = {kind: summary(values, seconds) for kind, values in recorder.latencies.items()}
    every = [v for kind in ("write", "read", "command") for v in recorder.latencies[kind]]
    return {
        "students": students,
        "seconds": seconds,
        "write": kinds.get("write", summary([], seconds)),
        "read": kinds.get("read", summary([], seconds)),
        "other_commands": kinds.get("command", summary([], seconds)),
        "write_in_app": kinds.get("write_in_app", summary([], seconds)),
        "read_in_app": kinds.get("read_in_app", summary([], seconds)),
        "client_loop_lag": kinds.get("client_loop_lag", summary([], seconds)),
        "all": summary(every, seconds),
        "errors": dict(recorder.errors),
        # From the first sign-in's start to the last one's end (the warm-up asks for less).
        "sign_in_s": round(sign_in_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds to spread the sign-ins over (default: 3 s and 80 ms per student, each "
        "sign-in being one deliberately slow Argon2 check); measuring starts a second after "
        "the last one",
    )
    parser.add_argument("--password", required=True, help="the bench students' password")
    parser.add_argument("--first", type=int, default=0, help="number of the first student")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    loop_factory = None
    try:  # present with uvicorn's extras; not a declared dependency
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        pass
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        warmup = args.warmup if args.warmup is not None else 3.0 + 0.08 * args.students
        report = runner.run(
            drive(
                args.url, args.students, args.seconds, warmup, args.first, args.seed, args.password
            )
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
