"""An answer refused as unreadable goes through the pipeline: counted in its own table, never
as an answer, and every check (reconciliation with PostgreSQL above all) still passes."""

from __future__ import annotations

import json
from pathlib import Path

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import StartQuiz, SubmitAnswer
from quizflow.settings import Settings
from quizflow.warehouse import open_published, run_pipeline

COURSE = load_course_file(sample_course_path())
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}


def test_a_refused_answer_is_kept_apart_from_the_answers_and_the_checks_pass(
    tmp_path: Path, pg_url: str
) -> None:
    with PostgresEventStore(pg_url) as store:
        publish_course(store, COURSE)
        handler = CommandHandler(store)
        ids = ("ann", COURSE["course_id"], "fractions")
        started = handler.handle(StartQuiz(*ids))
        question_id = started.state.question_id
        assert question_id is not None
        fields = [f["name"] for f in QUESTIONS[question_id]["fields"]]
        refused = handler.handle(SubmitAnswer(*ids, question_id, dict.fromkeys(fields, "abc")))
        assert [e.type for e in refused.events] == ["chapter-quiz/UnreadableAnswerRefused"]
        right = {n: v[0] for n, v in QUESTIONS[question_id]["accepted"].items()}
        handler.handle(SubmitAnswer(*ids, question_id, right))

    settings = Settings(home=tmp_path / "home", database_url=None)
    summary = run_pipeline(settings, pg_url)
    assert summary.ok, [c.description for c in summary.checks if not c.passed]
    with open_published(settings.published_path) as con:
        assert con.execute("select count(*) from quarantine").fetchone() == (0,)
        answers = con.execute("select question_id, correct, answer_display from answers").fetchall()
        assert [(q, c) for q, c, _ in answers] == [(question_id, True)]
        assert "_INPUT_" not in answers[0][2]
        row = con.execute(
            "select question_id, cast(reasons as varchar), attempt from unreadable_answers"
        ).fetchone()
    assert row is not None and row[0] == question_id and row[2] == 1
    assert set(json.loads(row[1])) == set(fields)
