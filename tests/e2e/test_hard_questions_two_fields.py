"""A question of two fields through the whole editor path: quiz events, the pipeline's
snapshot, `quizflow hard-questions` (table, JSON, HTML) and the editor pages of a real server.
People read the fields' labels everywhere; the field names (``_INPUT_1_``) never show."""

from __future__ import annotations

import html
import json
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from quizflow.accounts.settings import AuthSettings
from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.app.readmodel import ReadModel
from quizflow.app.web import WebContext, create_app
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.app.web.server import ModelCatalog
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer.publish import publish_import
from quizflow.reports.hard_questions import write_hard_questions_report
from quizflow.settings import Settings, load_settings
from tests.e2e.conftest import PASSWORD, SECRET, add_accounts, free_port
from tests.integration.eventfactory import START_AT, Course, run_quiz

X, Y = "_INPUT_1_", "_INPUT_2_"
TOP = {
    "question_id": "q-top",
    "text": "Where is the top of the parabola y = (x - 2)^2 - 1?",
    "fields": [{"name": X, "label": "x-coordinate"}, {"name": Y, "label": "y-coordinate"}],
    "accepted": {X: ["2"], Y: ["-1"]},
    "equivalence": {X: "number", Y: "number"},
    "wrong_answers": [
        {"answer": {X: "-1", Y: "2"}, "misconception": "swaps the coordinates"},
        {"answer": {X: "-2", Y: "-1"}, "misconception": "takes the sign of x as written"},
    ],
}


def one_field(qid: str, text: str, right: str, wrong: str) -> dict[str, Any]:
    return {
        "question_id": qid,
        "text": text,
        "fields": [{"name": X, "label": "answer"}],
        "accepted": {X: [right]},
        "equivalence": {X: "number"},
        "wrong_answers": [{"answer": {X: wrong}, "misconception": "a slip"}],
    }


QUESTIONS = [
    TOP,
    one_field("q-add", "What is 2 + 2?", "4", "5"),
    one_field("q-double", "What is 2 x 3?", "6", "5"),
]
COURSE = {
    "course_id": "algebra",
    "title": "Algebra",
    "version": 1,
    "chapters": [{"chapter_id": "graphs", "title": "Graphs", "questions": QUESTIONS}],
}
SWAPPED = "x-coordinate -1; y-coordinate 2"
SIGN_SLIP = "x-coordinate -2; y-coordinate -1"


@dataclass
class Published:
    settings: Settings
    store: PostgresEventStore
    model: ReadModel


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Iterator[Published]:
    """The course, 40 students' quiz attempts (seeded: the same every run), and the snapshot."""
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("COLUMNS", "300")  # a wide terminal: table rows stay on one line
    monkeypatch.delenv("QUIZFLOW_WAREHOUSE", raising=False)
    settings = load_settings()
    store = PostgresEventStore(pg_url, max_size=6)
    try:
        publish_course(store, COURSE)
        add_accounts(pg_url, store)
        course = Course("algebra", {"graphs": QUESTIONS})
        rng = random.Random(13)
        streams = []
        for n in range(40):
            at = START_AT + timedelta(minutes=10 * n)
            run_quiz(store, course, f"s{n:02d}", "graphs", rng, at, p_correct=0.5)
            streams.append(f"chapter-quiz-s{n:02d}-algebra-graphs")
        # The last answer's own cursor: the head can stay behind it while another database's
        # transaction on the same server is open.
        last = max(store.read_stream(stream)[-1].cursor for stream in streams)
        assert publish_import(settings, pg_url, last)[1], "the pipeline did not catch up"
        yield Published(settings, store, ReadModel(store))
    finally:
        store.close()


def test_hard_questions_show_a_two_field_question_by_its_labels(published: Published) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["hard-questions", "--format", "json", "--min-answers", "1"])
    assert result.exit_code == 0, result.stderr
    top = next(i for i in json.loads(result.stdout) if i["question_id"] == "q-top")
    assert top["field_labels"] == {X: "x-coordinate", Y: "y-coordinate"}
    shown = {w["answer_display"] for w in top["top_wrong_answers"]}
    assert shown == {SWAPPED, SIGN_SLIP}
    assert all(X not in w["answer_display"] for w in top["answer_analysis"] if w["answer"])
    # Per field: the keyed value and the wrong ones, each counted over the whole answers.
    per_field = {
        name: {v["value"]: v for v in rows} for name, rows in top["field_analysis"].items()
    }
    assert set(per_field) == {X, Y}
    assert set(per_field[X]) == {"2", "-1", "-2"} and set(per_field[Y]) == {"-1", "2"}
    assert per_field[X]["2"]["keyed"] and not per_field[X]["-2"]["keyed"]
    wrong = {w["answer_display"]: w["count"] for w in top["top_wrong_answers"]}
    assert per_field[X]["-2"]["count"] == wrong[SIGN_SLIP]
    assert per_field[Y]["2"]["count"] == wrong[SWAPPED]

    table = runner.invoke(app, ["hard-questions", "--min-answers", "1"])
    assert table.exit_code == 0, table.stderr
    assert SWAPPED in table.stdout and SIGN_SLIP in table.stdout
    assert "_INPUT_" not in table.stdout


def test_the_html_report_labels_the_answer_key_and_each_field(
    published: Published, tmp_path: Path
) -> None:
    out = write_hard_questions_report(
        published.settings.published_path, tmp_path / "hard.html", min_answers=1
    )
    page = out.read_text()
    words = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "_INPUT_" not in page
    assert "Field x-coordinate: value" in words and "Field y-coordinate: value" in words
    assert re.search(r"Answer key:\s+x-coordinate\s+2\s*;\s+y-coordinate\s+-1\b", words), words
    assert SWAPPED in words and "swaps the coordinates" in words


@pytest.fixture
def editor_site(published: Published, pg_url: str, tmp_path: Path) -> Iterator[str]:
    """A real server whose editor pages read the snapshot built above."""
    store, model = published.store, published.model
    ctx = WebContext(
        store,
        CommandHandler(store, ModelCatalog(store, model)),
        model,
        tmp_path / "reports",
        read_wait_s=20.0,
        signin_url=pg_url,
        signin_role=ACCOUNTS_GROUP,
        auth=AuthSettings(),
        snapshot_path=published.settings.published_path,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx, SECRET), host="127.0.0.1", port=free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started or model.account("e-eve") is None:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_editor_pages_show_the_answers_by_their_labels(editor_site: str) -> None:
    with httpx.Client(base_url=editor_site, timeout=30) as client:
        signed_in = client.post("/api/signin", json={"username": "e-eve", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        course = client.get("/editor/courses/algebra")
        assert course.status_code == 200, course.text
        row = re.search(r'<tr id="question-q-top">.*?</tr>', course.text, re.S)
        assert row, course.text
        assert SWAPPED in row.group(0) and "swaps the coordinates" in row.group(0)
        assert "_INPUT_" not in row.group(0)
        question = client.get("/editor/courses/algebra/questions/q-top")
        assert question.status_code == 200, question.text
        figures = re.search(
            r'<section class="card" id="figures">.*?</section>', question.text, re.S
        )
        assert figures, question.text
        assert SWAPPED in figures.group(0) and SIGN_SLIP in figures.group(0)
        assert "_INPUT_" not in figures.group(0)
        fields = re.findall(
            r'<tr><td>([^<]*)</td><td class="mono">([^<]+)</td>\s*<td>(yes)?</td>',
            figures.group(0),
        )
        assert ("x-coordinate", "2", "yes") in fields and ("x-coordinate", "-2", "") in fields
        assert ("y-coordinate", "-1", "yes") in fields and ("y-coordinate", "2", "") in fields
