"""`quizflow hard-questions` on an edited question: each version's common wrong answers carry
the misconception that version of the question listed, in the JSON and in the HTML report.
Students answer through the real command handler, the pipeline publishes the snapshot."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import NextQuestion, StartOver, StartQuiz, SubmitAnswer
from quizflow.reports.hard_questions import write_hard_questions_report
from quizflow.settings import load_settings
from tests.integration.eventfactory import run_until_caught_up

COURSE = "edited"
BEFORE = "adds one 6 too many"
AFTER = "multiplies 6 by 8 instead of 6"
OLD_KEY = "gives the answer to the question before the edit"


def question(qid: str, text: str, right: str, wrong: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "question_id": qid,
        "text": text,
        "fields": [{"name": "_INPUT_1_", "label": "answer"}],
        "accepted": {"_INPUT_1_": [right]},
        "equivalence": {"_INPUT_1_": "number"},
        "wrong_answers": [
            {"answer": {"_INPUT_1_": a}, "misconception": m, "feedback": "Count again."}
            for a, m in wrong
        ],
    }


def course(version: int, edited: dict[str, Any]) -> dict[str, Any]:
    return {
        "course_id": COURSE,
        "title": "Times tables",
        "version": version,
        "chapters": [
            {
                "chapter_id": "times",
                "title": "Times",
                "questions": [
                    edited,
                    question("e-2", "Work out 9 × 9.", "81", [("18", "adds")]),
                    question("e-3", "Work out 3 × 4.", "12", [("7", "adds")]),
                ],
            }
        ],
    }


def answer_all(
    handler: CommandHandler, students: range, right: str, wrong: list[str], seed: int
) -> None:
    """Each student answers until they pass; e-1 is answered wrong the first time, with the
    wrong answers in turn. Command ids come from ``seed`` (they seed the question picks), so
    every run asks the same questions in the same order."""
    rng = random.Random(seed)
    others = {"e-2": ("81", "18"), "e-3": ("12", "7")}
    wrong_given = 0

    def handle(command: Any) -> Any:
        return handler.handle(command, command_id=uuid.UUID(int=rng.getrandbits(128)))

    for n in students:
        ids = (f"s{n:03d}", COURSE, "times")
        result = handle(StartQuiz(*ids))
        missed = False
        for _ in range(60):
            qid = result.state.question_id
            assert qid is not None
            if qid == "e-1":
                given = right if missed else wrong[wrong_given % len(wrong)]
                wrong_given += not missed
                missed = True
            else:
                given = others[qid][0 if rng.random() < 0.6 else 1]
            result = handle(SubmitAnswer(*ids, qid, {"_INPUT_1_": given}))
            status = str(result.state.status)
            if status == "passed":
                break
            command = NextQuestion(*ids) if status == "answered-correctly" else StartOver(*ids)
            result = handle(command)
    assert wrong_given >= 2 * len(wrong)  # each wrong answer given, more than once


def test_each_version_of_an_edited_question_shows_its_own_misconceptions(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    with PostgresEventStore(pg_url) as store:
        publish_course(store, course(1, question("e-1", "Work out 6 × 7.", "42", [("48", BEFORE)])))
        answer_all(CommandHandler(store), range(12), "42", ["48"], seed=1)
        # The edit changes the key: version 2 lists 48 with another misconception, and the
        # old key 42 as a wrong answer.
        edited = question("e-1", "Work out 6 × 6.", "36", [("48", AFTER), ("42", OLD_KEY)])
        publish_course(store, course(2, edited))
        answer_all(CommandHandler(store), range(12, 24), "36", ["48", "42"], seed=2)
    # Until every event is in: an open transaction elsewhere on the server may hold it back.
    run_until_caught_up(settings, pg_url)

    result = CliRunner().invoke(
        app, ["hard-questions", "--format", "json", "--min-answers", "1", "--course", COURSE]
    )
    assert result.exit_code == 0, result.stderr
    item = next(i for i in json.loads(result.stdout) if i["question_id"] == "e-1")
    assert [v["question_version"] for v in item["versions"]] == [1, 2]
    before, after = (
        {w["answer"]: w["misconception"] for w in v["top_wrong_answers"]} for v in item["versions"]
    )
    assert before == {"48": BEFORE}
    assert after == {"48": AFTER, "42": OLD_KEY}
    # The latest version's answers, in the answer analysis too.
    analysed = {a["answer"]: a["misconception"] for a in item["answer_analysis"]}
    assert analysed == {"48": AFTER, "42": OLD_KEY, "36": None}

    html = write_hard_questions_report(
        settings.published_path, tmp_path / "hard.html", min_answers=1, course_id=COURSE
    ).read_text()
    versions = html[html.index('<table class="versions">') :]
    versions = versions[: versions.index("</table>")]
    rows = versions.split("<tr>")[2:]  # after the header row
    assert BEFORE in rows[0] and AFTER not in rows[0]
    assert AFTER in rows[1] and OLD_KEY in rows[1] and BEFORE not in rows[1]
