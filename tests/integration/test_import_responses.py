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
from quizflow.importer.events import imported_stream_id
from quizflow.importer.publish import publish_import
from quizflow.quiz import Course, quiz_stream_id
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


def pseudonyms(store: PostgresEventStore, *students: str) -> dict[str, str]:
    """The warehouse's name for each student (it knows students by pseudonyms only)."""
    from quizflow.privacy.keys import names_of
    from quizflow.privacy.pseudonyms import pseudonym

    secret = names_of(store).secret("pseudonym")
    return {pseudonym(student, secret): student for student in students}


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

    ann = store.read_stream(imported_stream_id("ann", "hist", "imported"))
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
    assert ann[2].metadata["import"] == {
        "file": "school-log.csv",
        "sha256": sha,
        "source": "hist",
        "line": 2,
    }
    bob = store.read_stream(imported_stream_id("bob", "hist", "imported"))
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
    # Every event is recognised by its id, the streams' QuizStarted included.
    assert (again.events_appended, again.events_already_stored) == (0, 9)
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
        for e in store.read_stream(imported_stream_id("ann", "school-log", "imported"))
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
    students = pseudonyms(store, "ann", "bob")
    rows = [(students[student], *rest) for student, *rest in rows]
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
    # In streams of imported history beside the live quiz's, which stays untouched.
    assert store.stream_version(quiz_stream_id("ann", "math-1", "ch-1")) == 0
    assert store.stream_version(imported_stream_id("ann", "math-1", "ch-1")) == 2
    assert store.stream_version(imported_stream_id("ann", "math-1", "imported")) == 2
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


# -- hardening: refused rows, content ids, resumable appends, live quizzes, memory -----------


def answer_events(store: PostgresEventStore) -> list[tuple[str, str]]:
    """(event id, stream) of every stored answer."""
    with psycopg.connect(store.url) as conn:
        rows = conn.execute(
            "select event_id::text, stream_id from quizflow.events"
            " where type in ('chapter-quiz/QuestionAnsweredCorrectly',"
            " 'chapter-quiz/QuestionAnsweredIncorrectly')"
        ).fetchall()
    return [(str(e), str(s)) for e, s in rows]


def test_every_row_is_checked_for_what_the_store_would_refuse_and_nothing_is_appended(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    # Many students first, so that a late bad row used to find many streams stored already.
    good = "".join(f"s{n},q1,1,3/4,2025-03-03T08:{n % 60:02d}:00Z,1000\n" for n in range(30))
    bad_bytes = "\n".join(
        [
            "ann,q1,1,3\x00,2025-03-03T09:00:00Z,1",  # a NUL in the answer (line 32)
            "a\x00n,q1,1,3,2025-03-03T09:00:00Z,1",  # ... and in the student id (33)
            "ann,q1,1,\udced\udca0\udc80,2025-03-03T09:00:00Z,1",  # a lone surrogate, CESU-8 (34)
            "ann,q1,1,caf\udce9,2025-03-03T09:00:00Z,1",  # Latin-1, not UTF-8 (35)
            f"{'x' * 101},q1,1,3,2025-03-03T09:00:00Z,1",  # an id too long for a stream id (36)
            "ann,q 1,1,3,2025-03-03T09:00:00Z,1",  # a question id with a space (37)
            "ann,q1,1,3,infinity,1",  # not a finite time (38)
            "ann,q1,1,3,9999-12-31T23:59:59Z,1",  # no plausible time (39)
            "ann,q1,1,3,1900-01-01T00:00:01Z,5000",  # asked before 1900 (40)
            "ann,q1,1,3,2025-03-03T09:00:00Z,nan",  # no response time (41)
        ]
    ).encode("utf-8", "surrogateescape")
    path = tmp_path / "refused.csv"
    path.write_bytes(("pupil,item,right,given,when,ms\n" + good).encode() + bad_bytes + b"\n")
    before = stored_events(store)
    with pytest.raises(InvalidLogError) as error:
        import_responses(store, path, COLUMNS, course_id="hist")
    problems = {b.line: b.problem for b in error.value.bad_rows}
    assert sorted(problems) == list(range(32, 42)), problems
    assert problems[32] == "given contains a NUL character (\\x00), which the database cannot store"
    assert problems[33].startswith("pupil contains a NUL character")
    not_utf8 = "given is not UTF-8 text (bytes {}), which the database cannot store"
    assert problems[34] == not_utf8.format("ed a0 80")
    assert problems[35] == not_utf8.format("e9")
    assert problems[36].startswith("pupil is 101 characters long: a student id may have at most")
    assert problems[37] == "item contains a space: a question id is one word"
    assert problems[38].startswith("when = 'infinity' is not a time")
    assert problems[39].startswith("when = '9999-12-31T23:59:59Z' is not a plausible time")
    assert problems[40].startswith("ms = '5000' is not a response time")
    assert problems[41].startswith("ms = 'nan' is not a response time")
    assert "10 bad row(s); nothing was imported" in str(error.value)
    assert stored_events(store) == before

    epochs = tmp_path / "epochs.csv"
    epochs.write_text(
        "pupil,item,right,t\nann,q1,1,1741000000000\nann,q1,1,nan\n"
        "ann,q1,1,inf\nann,q1,1,-inf\nann,q1,1,1e30\n"
    )
    columns = ImportColumns(
        student="pupil", question="item", correct="right", time="t", time_unit="ms"
    )
    with pytest.raises(InvalidLogError) as error:
        import_responses(store, epochs, columns, course_id="hist")
    assert [b.line for b in error.value.bad_rows] == [3, 4, 5, 6]  # 1e30 ms: past year 2200
    assert stored_events(store) == before


def test_a_corrected_and_an_extended_file_append_only_the_rows_that_are_new(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    header, *rows = LOG.splitlines()
    with pytest.raises(InvalidLogError):  # a NUL in one row: nothing is imported
        import_responses(
            store,
            write_log(tmp_path, LOG + "bob,q2,1,\x00,2025-03-03T10:00:00Z,1\n", "export.csv"),
            COLUMNS,
            course_id="hist",
        )
    assert answer_events(store) == []
    corrected = LOG + "bob,q2,1,4,2025-03-03T10:00:00Z,1\n"
    first = import_responses(
        store, write_log(tmp_path, corrected, "export-fixed.csv"), COLUMNS, course_id="hist"
    )
    assert (first.rows, len(answer_events(store))) == (5, 5)

    # Next month's export: the same rows in another order (and another name), one of them
    # twice (both count), and two new ones.
    extended = (
        "\n".join(
            [
                header,
                rows[2],
                "ann,q3,0,7,2025-04-01T08:00:00Z,900",
                *rows[:2],
                rows[3],
                "bob,q2,1,4,2025-03-03T10:00:00Z,1",
                "bob,q2,1,4,2025-03-03T10:00:00Z,1",
            ]
        )
        + "\n"
    )
    second = import_responses(
        store, write_log(tmp_path, extended, "export-april.csv"), COLUMNS, course_id="hist"
    )
    assert second.rows == 7 and second.events_appended == 1 + 2 + 2  # the course, 2 rows
    stored = answer_events(store)
    assert len(stored) == 7 and len({e for e, _ in stored}) == 7
    again = import_responses(
        store, write_log(tmp_path, extended, "export-april-again.csv"), COLUMNS, course_id="hist"
    )
    assert again.events_appended == 0 and len(answer_events(store)) == 7


def test_an_import_that_stops_midway_is_finished_by_running_it_again(
    store: PostgresEventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizflow.importer import load

    log = "pupil,item,right,given,when,ms\n" + "".join(
        f"s{n % 7},q{n % 5},{n % 2},{n},2025-03-03T08:{n // 60:02d}:{n % 60:02d}Z,500\n"
        for n in range(200)
    )
    path = write_log(tmp_path, log)
    monkeypatch.setattr(load, "CHUNK_EVENTS", 10)  # many appends per stream
    real_append = store.append
    calls = 0

    def dying_append(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 12:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return real_append(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "append", dying_append)
    with pytest.raises(load.ImportInterrupted) as stopped:
        import_responses(store, path, COLUMNS, course_id="hist")
    assert "run the same import again" in str(stopped.value)
    partial = answer_events(store)
    assert 0 < len(partial) < 200
    monkeypatch.setattr(store, "append", real_append)
    finished = import_responses(store, path, COLUMNS, course_id="hist")
    assert finished.events_already_stored > 0
    stored = answer_events(store)
    assert len(stored) == 200 and len({e for e, _ in stored}) == 200


def test_imported_history_never_touches_a_live_quiz(
    settings: Settings, store: PostgresEventStore, pg_url: str, tmp_path: Path
) -> None:
    from quizflow.app.handler import CommandHandler
    from quizflow.app.readmodel import ReadModel
    from quizflow.quiz import NextQuestion, StartQuiz, SubmitAnswer, fold, from_payload

    publish_course(store, LIVE_COURSE)
    handler = CommandHandler(store)
    ids = ("ann", "math-1", "ch-1")
    handler.handle(StartQuiz(*ids))
    for n in range(3):
        result = handler.handle(SubmitAnswer(*ids, "q-1-1", {"_INPUT_1_": "3/4"}))
        if n < 2:
            handler.handle(NextQuestion(*ids))
    assert result.state.status == "passed"
    live = store.read_stream(quiz_stream_id(*ids))

    # Ann's history from the old system: a wrong answer after her pass would reopen the quiz.
    log = (
        "pupil,item,right,given,when\nann,q-1-1,1,3/4,2025-03-03T08:00:00Z\n"
        "ann,q-1-1,0,1/2,2099-01-01T08:00:00Z\nbob,q-1-1,0,2/6,2025-03-03T08:00:00Z\n"
    )
    columns = ImportColumns(
        student="pupil", question="item", correct="right", answer="given", time="when"
    )
    summary = import_responses(store, write_log(tmp_path, log), columns, course_id="math-1")

    assert store.read_stream(quiz_stream_id(*ids)) == live  # not one event more
    assert store.stream_version(quiz_stream_id("bob", "math-1", "ch-1")) == 0
    state = fold(from_payload(e.type, e.data) for e in live)
    assert state.status == "passed"
    model = ReadModel(store)
    for event in store.read_all(limit=10_000):
        model.apply(event)
    assert model.quiz(*ids).state.status == "passed"
    assert model.quiz(*ids).answers == 3  # the live ones only
    assert model.status()["events_of_imported_history"] == 5  # 2 starts, 3 answers
    assert CommandHandler(store).handle(StartQuiz(*ids)).state.attempt == 2  # the rules go on

    # The warehouse reads imported answers as answers, beside the live ones.
    assert publish_import(settings, pg_url, summary.last_cursor)[1]
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        answers = con.execute("select student_id, count(*) from answers group by 1").fetchall()
    finally:
        con.close()
    students = pseudonyms(store, "ann", "bob")
    assert sorted((students[s], n) for s, n in answers) == [("ann", 5), ("bob", 1)]


_MEASURE = """
import resource, sys
from pathlib import Path
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer import ImportColumns, InvalidLogError, import_responses
columns = ImportColumns(student="pupil", question="item", correct="right", answer="given",
                        time="when", time_unit="iso", response_ms="ms")
with PostgresEventStore(sys.argv[2]) as store:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        import_responses(store, Path(sys.argv[1]), columns, course_id="big")
    except InvalidLogError as error:
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(error.bad_rows[0].line, grown // 1024)
"""


def test_a_big_log_is_read_as_a_stream_not_held_in_memory(
    store: PostgresEventStore, tmp_path: Path
) -> None:
    # 40 MB of answers (~900,000 rows) whose last row is bad: the whole file is read and
    # validated, nothing appended. Held in memory (polars, then a Python datetime per row),
    # it grew the process by ~10x its size; streamed, by the staging area's bounded share.
    import random
    import subprocess
    import sys

    rng = random.Random(3)
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("pupil,item,right,given,when,ms\n")
        for n in range(900_000):
            f.write(
                f"stu{rng.randrange(5000):05d},q{rng.randrange(2000):04d},"
                f"{rng.randrange(2)},{rng.randrange(100)},"
                f"2024-09-{2 + n // 86_400:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                f"{n % 60:02d}Z,{rng.randrange(2000, 90000)}\n"
            )
        f.write("stu1,q1,maybe,1,2024-10-01T00:00:00Z,1\n")
    assert path.stat().st_size > 40_000_000
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), store.url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    line, grown_mb = map(int, result.stdout.split())
    assert line == 900_002
    assert grown_mb < 200, f"validating a 40 MB log grew the process by {grown_mb} MB"
    assert stored_events(store) == 0
