"""`quizflow import responses`: an external log becomes quiz events, once, or not at all."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.app.publishing import publish_course
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer import ImportColumns, InvalidLogError, import_responses
from quizflow.importer.publish import publish_import
from quizflow.quiz import Course
from quizflow.settings import Settings, load_settings
from tests.integration import eventfactory

LOG = """\
pupil,item,right,given,when,ms
ann,q1,1,3/4,2025-03-03T08:00:10Z,4000
ann,q2,0,16,2025-03-03T08:01:00Z,
bob,q1,false,2/6,2025-03-03T09:00:00+01:00,2500
ann,q2,yes, 4 ,2025-03-03T08:02:00Z,3000
"""
LIVE_COURSE = {
    "course_id": "math-1",
    "title": "Mathematics",
    "version": 1,
    "chapters": [
        {
            "chapter_id": "ch-1",
            "title": "Fractions",
            "questions": [
                {
                    "question_id": "q-1-1",
                    "text": "What is 1/2 + 1/4?",
                    "fields": [{"name": "_INPUT_1_", "label": "answer"}],
                    "accepted": {"_INPUT_1_": ["3/4"]},
                    "equivalence": {"_INPUT_1_": "fraction"},
                    "wrong_answers": [],
                }
            ],
        }
    ],
}
COLUMNS = ImportColumns(
    student="pupil",
    question="item",
    correct="right",
    answer="given",
    time="when",
    time_unit="iso",
    response_ms="ms",
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    return load_settings()


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pg_url) as store:
        yield store


def stored_events(store: PostgresEventStore) -> int:
    # A count, not store.head(): the head lags while any transaction in the cluster is open.
    with psycopg.connect(store.url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def write_log(tmp_path: Path, text: str = LOG, name: str = "school-log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_each_answer_becomes_an_assignment_and_an_answer_at_the_original_time(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    path = write_log(tmp_path)
    summary = import_responses(store, path, COLUMNS, course_id="hist")
    assert (summary.rows, summary.students, summary.questions, summary.streams) == (4, 2, 2, 2)

    ann = store.read_stream("chapter-quiz-ann-hist-imported")
    assert [(e.type.split("/")[1], e.data.get("question_id"), e.occurred_at) for e in ann] == [
        ("QuizStarted", None, dt.datetime(2025, 3, 3, 8, 0, 6, tzinfo=dt.UTC)),
        ("QuestionAssigned", "q1", dt.datetime(2025, 3, 3, 8, 0, 6, tzinfo=dt.UTC)),
        ("QuestionAnsweredCorrectly", "q1", dt.datetime(2025, 3, 3, 8, 0, 10, tzinfo=dt.UTC)),
        # No response time on line 3: no assignment, so response_ms stays unknown (null).
        ("QuestionAnsweredIncorrectly", "q2", dt.datetime(2025, 3, 3, 8, 1, tzinfo=dt.UTC)),
        ("QuestionAssigned", "q2", dt.datetime(2025, 3, 3, 8, 1, 57, tzinfo=dt.UTC)),
        ("QuestionAnsweredCorrectly", "q2", dt.datetime(2025, 3, 3, 8, 2, tzinfo=dt.UTC)),
    ]
    assert ann[2].data == {
        "student_id": "ann",
        "course_id": "hist",
        "chapter_id": "imported",
        "attempt": 1,
        "question_id": "q1",
        "inputs": {"_INPUT_1_": "3/4"},
        "streak": 1,
    }
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert ann[2].metadata["import"] == {"file": "school-log.csv", "sha256": sha, "line": 2}
    bob = store.read_stream("chapter-quiz-bob-hist-imported")
    assert bob[-1].occurred_at == dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)  # +01:00 honoured


def test_the_import_publishes_a_valid_course_with_the_questions_seen(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    import_responses(store, write_log(tmp_path), COLUMNS, course_id="hist")
    (published,) = store.read_stream("course-hist")
    course = Course.from_data(published.data)
    (chapter,) = course.chapters
    assert [(q.question_id, q.text, q.accepted["_INPUT_1_"]) for q in chapter.questions] == [
        ("q1", "Imported question q1", ("3/4",)),
        ("q2", "Imported question q2", ("4",)),
    ]


def test_importing_the_same_file_again_appends_nothing(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    path = write_log(tmp_path)
    first = import_responses(store, path, COLUMNS, course_id="hist")
    before = stored_events(store)
    again = import_responses(store, path, COLUMNS, course_id="hist")
    assert first.events_appended == 10 and first.course_published  # the course + 9
    # The streams exist now, so no QuizStarted is made again: 9 - 2 events recognised.
    assert (again.events_appended, again.events_already_stored) == (0, 7)
    assert not again.course_published
    assert stored_events(store) == before


def test_a_second_file_adds_its_questions_to_the_course_and_its_answers_to_the_streams(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    import_responses(store, write_log(tmp_path), COLUMNS, course_id="hist")
    more = "pupil,item,right,given,when,ms\nann,q3,1,7,2025-03-04T08:00:00Z,1000\n"
    summary = import_responses(
        store, write_log(tmp_path, more, "more.csv"), COLUMNS, course_id="hist"
    )
    assert summary.events_appended == 3  # the course, an assignment, an answer: no new start
    latest = store.read_stream("course-hist")[-1].data
    assert latest["version"] == 2
    assert [q["question_id"] for q in latest["chapters"][0]["questions"]] == ["q1", "q2", "q3"]


def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_is_imported(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    bad = (
        LOG
        + ",q1,1,3,2025-03-03T10:00:00Z,1\nbob,,1,3,2025-03-03T10:00:00Z,1\n"
        + ("bob,q1,maybe,3,yesterday,-5\n")
    )
    before = stored_events(store)
    with pytest.raises(InvalidLogError) as error:
        import_responses(store, write_log(tmp_path, bad), COLUMNS, course_id="hist")
    assert [(b.line, b.problem.split(" ")[0]) for b in error.value.bad_rows] == [
        (6, "no"),
        (7, "no"),
        (8, "right"),
        (8, "when"),
        (8, "ms"),
    ]
    assert "3 bad row(s); nothing was imported" in str(error.value)
    assert "line 8: right = 'maybe' is not a correct flag" in str(error.value)
    assert stored_events(store) == before


def test_a_missing_column_names_the_columns_the_file_has(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    columns = ImportColumns(student="student", question="item", correct="right")
    with pytest.raises(InvalidLogError, match="no column\\(s\\) 'student'; the file has 'pupil'"):
        import_responses(store, write_log(tmp_path), columns)


def test_without_a_time_column_the_rows_keep_file_order_on_a_synthetic_clock(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    columns = ImportColumns(student="pupil", question="item", correct="right")
    summary = import_responses(store, write_log(tmp_path), columns)
    assert summary.course_id == "school-log" and summary.synthetic_clock
    ann = [
        e
        for e in store.read_stream("chapter-quiz-ann-school-log-imported")
        if e.type != "chapter-quiz/QuizStarted"
    ]
    assert [e.occurred_at.minute for e in ann] == [0, 1, 3]  # lines 2, 3 and 5
    assert ann[0].metadata["import"]["clock"].startswith("synthetic")
    assert ann[0].data["inputs"] == {}


def test_imported_history_answers_queries_after_a_pipeline_run(
    settings: Settings, store: PostgresEventStore, pg_url: str, tmp_path: Path
) -> None:
    summary = import_responses(store, write_log(tmp_path), COLUMNS, course_id="hist")
    assert publish_import(settings, pg_url, summary.last_cursor)[1]
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rows = con.execute(
            "select student_id, question_id, correct, answer, response_ms, chapter_id"
            " from answers order by occurred_at"
        ).fetchall()
        texts = con.execute("select question_id, text from questions order by 1").fetchall()
    finally:
        con.close()
    assert rows == [
        ("bob", "q1", False, "2/6", 2500, "imported"),
        ("ann", "q1", True, "3/4", 4000, "imported"),
        ("ann", "q2", False, "16", None, "imported"),
        ("ann", "q2", True, "4", 3000, "imported"),
    ]
    assert texts == [("q1", "Imported question q1"), ("q2", "Imported question q2")]


def test_history_for_a_question_of_a_live_course_joins_that_questions_chapter(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    publish_course(store, LIVE_COURSE)
    log = "pupil,item,right,given\nann,q-1-1,1,3/4\nann,new-q,0,x\n"
    columns = ImportColumns(student="pupil", question="item", correct="right", answer="given")
    import_responses(store, write_log(tmp_path, log), columns, course_id="math-1")
    assert store.stream_version("chapter-quiz-ann-math-1-ch-1") == 2  # started, answered
    assert store.stream_version("chapter-quiz-ann-math-1-imported") == 2
    latest = Course.from_data(store.read_stream("course-math-1")[-1].data)
    assert [c.chapter_id for c in latest.chapters] == ["ch-1", "imported"]
    assert latest.chapters[0] == Course.from_data(LIVE_COURSE).chapters[0]
    assert [q.question_id for q in latest.chapters[1].questions] == ["new-q"]


def test_an_import_into_a_course_it_cannot_extend_imports_nothing(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    eventfactory.publish_course(store, course_id="math-1")  # "paris" is not a number: invalid
    before = stored_events(store)
    with pytest.raises(InvalidLogError, match="cannot add the log's questions to course math-1"):
        import_responses(store, write_log(tmp_path), COLUMNS, course_id="math-1")
    assert stored_events(store) == before


def test_the_import_command_reports_bad_lines_or_imports_and_publishes(
    settings: Settings, tmp_path: Path
) -> None:
    args = ["import", "responses", "--student", "pupil", "--question", "item", "--correct",
            "right", "--answer", "given", "--time", "when", "--response-ms", "ms",
            "--course", "hist", "--format", "json"]  # fmt: skip
    runner = CliRunner()
    bad = runner.invoke(app, [*args[:2], str(write_log(tmp_path, LOG + "ann,q1,perhaps,1,x,\n",
                                                         "bad.csv")), *args[2:]])  # fmt: skip
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "line 6: right = 'perhaps'" in bad.stderr and "nothing was imported" in bad.stderr

    good = runner.invoke(app, [*args[:2], str(write_log(tmp_path)), *args[2:]])
    assert good.exit_code == 0, good.stderr
    summary = json.loads(good.stdout)
    assert (summary["rows"], summary["events_appended"], summary["course_id"]) == (4, 10, "hist")
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        assert con.execute("select count(*) from answers").fetchone() == (4,)
    finally:
        con.close()
