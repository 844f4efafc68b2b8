"""An edited question end to end: students answer version 1 through the real command handler,
an editor publishes version 2 (quizflow.app.editing), more students answer it; the pipeline
publishes the snapshot, whose answers carry the version, and the editor pages' figures show the
question before and after the edit."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path

import duckdb
import pytest

from quizflow.app.editing import EditConflict, EditProblems, locate, publish_question
from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.app.web.editor import student_preview
from quizflow.app.web.editor_figures import course_figures
from quizflow.app.web.editor_form import from_question
from quizflow.app.web.templating import templates
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import NextQuestion, StartOver, StartQuiz, SubmitAnswer, course_stream_id
from quizflow.settings import load_settings
from tests.integration.eventfactory import run_until_caught_up

COURSE = "versions"
QUESTIONS = {  # question id: (text, right answer, a wrong answer)
    "v-1": ("Work out 6 × 7.", "42", "48"),
    "v-2": ("Work out 9 × 9.", "81", "18"),
    "v-3": ("Work out 3 × 4.", "12", "7"),
}


def question(qid: str, text: str, right: str, wrong: str) -> dict[str, object]:
    return {
        "question_id": qid,
        "text": text,
        "fields": [{"name": "_INPUT_1_", "label": "answer"}],
        "accepted": {"_INPUT_1_": [right]},
        "equivalence": {"_INPUT_1_": "number"},
        "wrong_answers": [
            {"answer": {"_INPUT_1_": wrong}, "misconception": "slip", "feedback": "Check again."}
        ],
    }


def answer_all(handler: CommandHandler, students: range, right: dict[str, str], seed: int) -> None:
    """Each student answers until they pass, right with a chance that depends on the question."""
    chance = {"v-1": 0.3, "v-2": 0.6, "v-3": 0.9}
    rng = random.Random(seed)
    for n in students:
        ids = (f"s{n:03d}", COURSE, "times")
        result = handler.handle(StartQuiz(*ids))
        for _ in range(40):
            qid = result.state.question_id
            assert qid is not None
            ok = rng.random() < chance[qid]
            given = right[qid] if ok else QUESTIONS[qid][2]
            result = handler.handle(SubmitAnswer(*ids, qid, {"_INPUT_1_": given}))
            status = str(result.state.status)
            if status == "passed":
                break
            command = NextQuestion(*ids) if status == "answered-correctly" else StartOver(*ids)
            result = handler.handle(command, command_id=uuid.uuid4())


@pytest.mark.slow
def test_the_editor_sees_an_edited_question_before_and_after(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    with PostgresEventStore(pg_url) as store:
        publish_course(
            store,
            {
                "course_id": COURSE,
                "title": "Times tables",
                "version": 1,
                "chapters": [
                    {
                        "chapter_id": "times",
                        "title": "Times",
                        "questions": [question(q, *v) for q, v in QUESTIONS.items()],
                    }
                ],
            },
        )
        handler = CommandHandler(store)
        right = {q: v[1] for q, v in QUESTIONS.items()}
        answer_all(handler, range(60), right, seed=1)

        located = locate(store, COURSE, "v-1")
        edited = {
            **located.question_data,
            "text": "Work out 6 × 6.",
            "accepted": {"_INPUT_1_": ["36"]},
        }
        # A key of 48 would make the listed wrong answer 48 right: refused, nothing appended.
        with pytest.raises(EditProblems):
            publish_question(
                store,
                COURSE,
                {**edited, "accepted": {"_INPUT_1_": ["48"]}},
                based_on=located.stream_version,
                user_id="e-eve",
            )
        publish_question(store, COURSE, edited, based_on=located.stream_version, user_id="e-eve")
        with pytest.raises(EditConflict):  # the same start again: someone published meanwhile
            publish_question(store, COURSE, edited, based_on=located.stream_version, user_id="x")
        assert len(store.read_stream(course_stream_id(COURSE))) == 2

        handler = CommandHandler(store)  # a fresh handler reads the new course at once
        answer_all(handler, range(60, 120), {**right, "v-1": "36"}, seed=2)
        # Not up to store.head(): an open transaction elsewhere on the shared server holds
        # head() back, and the snapshot would miss the last answers.
        run_until_caught_up(settings, pg_url)

    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        counts = dict(
            con.execute(
                "select question_version, count(*) from answers where question_id = 'v-1'"
                " group by all"
            ).fetchall()
        )
    assert set(counts) == {1, 2} and min(counts.values()) >= 20

    figures = course_figures(settings.published_path, COURSE)
    item = figures.by_question["v-1"]
    assert item["question_version"] == 2
    assert [v["question_version"] for v in item["versions"]] == [1, 2]
    assert [v["answers"] for v in item["versions"]] == [counts[1], counts[2]]
    assert item["edit"]["verdict"]

    # The question's editor page shows both versions side by side.
    with PostgresEventStore(pg_url) as store:
        located = locate(store, COURSE, "v-1")
    page = templates.env.get_template("editor_question.html").render(
        who=None,
        csrf="token",
        course=located.course,
        chapter=located.course.chapter("times"),
        version=2,
        form=from_question(located.question_data).with_spare_rows(),
        preview=student_preview(from_question(located.question_data)),
        based_on=located.stream_version,
        problems=[],
        figures=item,
        equivalences=("number",),
        action="/editor/courses/versions/questions/v-1",
    )
    table = page[page.index('id="versions"') :]
    assert "Before and after the edit" in table
    assert [int(n) for n in re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td>", table)[0]] == [
        1,
        counts[1],
    ]
    assert "Work out 6 × 6." in page
