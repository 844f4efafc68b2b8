"""`quizflow hard-questions` and its HTML report, on a published snapshot built by the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quizflow.app.publishing import publish_course
from quizflow.app.web.editor_figures import course_figures
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer import ImportColumns, import_responses
from quizflow.importer.publish import publish_import
from quizflow.reports.hard_questions import PUBLIC_KEYS, write_hard_questions_report
from quizflow.settings import Settings, load_settings


def question(qid: str, text: str, accepted: str, wrong: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "question_id": qid,
        "text": text,
        "fields": [{"name": "_INPUT_1_", "label": "answer"}],
        "accepted": {"_INPUT_1_": [accepted]},
        "equivalence": {"_INPUT_1_": "text"},
        "wrong_answers": [{"answer": {"_INPUT_1_": a}, "misconception": m} for a, m in wrong],
    }


COURSE = {
    "course_id": "algebra",
    "title": "Algebra",
    "version": 1,
    "chapters": [
        {
            "chapter_id": "fractions",
            "title": "Fractions",
            "questions": [
                question(
                    "q-frac",
                    "What is 1/2 + 1/4? <b>Simplify.</b>",
                    "3/4",
                    [
                        ("2/6", "adds the numerators and the denominators"),
                        (".5", "takes the first fraction only"),
                    ],
                ),
                question("q-add", "What is 2 + 2?", "4", []),
                question("q-easy", "What is 1 + 0?", "1", []),
            ],
        }
    ],
}
# Per question: (right answers, [(wrong answer as typed, how many)]) over 12 students, who
# answer in the order given by ORDER (the first `right` of them are right). The orders differ
# so that the strongest students also miss something: a perfect (Guttman) pattern would leave
# the Rasch model nothing to estimate sigma from.
ORDER = {
    "q-frac": [3, 9, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12],
    "q-add": [1, 2, 4, 6, 8, 10, 12, 3, 5, 7, 9, 11],
    "q-easy": [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 9],
}
OUTCOMES = {
    "q-frac": (2, [(" 2/6", 7), ("0.50", 2), (".5", 1)]),
    "q-add": (7, [("5", 5)]),
    "q-easy": (11, [("0", 1)]),
}


def history_csv(path: Path) -> Path:
    lines = ["student,question,correct,answer,at"]
    minute = 0
    for qid, (right, wrong) in OUTCOMES.items():
        typed = ["3/4" if qid == "q-frac" else "4" if qid == "q-add" else "1"] * right
        typed += [answer for answer, n in wrong for _ in range(n)]
        for n, answer in enumerate(typed):
            minute += 1
            ok = 1 if n < right else 0
            student = ORDER[qid][n]
            lines.append(f"s{student:02d},{qid},{ok},{answer},2025-03-03T08:{minute:02d}:00Z")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    columns = ImportColumns(
        student="student", question="question", correct="correct", answer="answer", time="at"
    )
    with PostgresEventStore(pg_url) as store:
        publish_course(store, COURSE)
        summary = import_responses(
            store, history_csv(tmp_path / "history.csv"), columns, course_id="algebra"
        )
    assert publish_import(settings, pg_url, summary.last_cursor)[1]
    return settings


def test_hard_questions_as_json_rank_the_hardest_first_with_exactly_the_promised_keys(
    settings: Settings,
) -> None:
    result = CliRunner().invoke(app, ["hard-questions", "--format", "json", "--min-answers", "5"])
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)
    assert [i["question_id"] for i in items] == ["q-frac", "q-add", "q-easy"]
    assert all(tuple(i)[: len(PUBLIC_KEYS)] == PUBLIC_KEYS for i in items)
    hardest = items[0]
    assert hardest["text"] == "What is 1/2 + 1/4? <b>Simplify.</b>"
    assert (hardest["answers"], hardest["facility"]) == (12, pytest.approx(2 / 12))
    assert hardest["difficulty"] > items[1]["difficulty"] > items[2]["difficulty"]
    assert hardest["difficulty_se"] > 0
    assert hardest["median_response_ms"] is None  # the log has no response times
    assert hardest["top_wrong_answers"] == [
        {"answer": "2/6", "answer_display": "2/6", "count": 7, "share": pytest.approx(0.7)},
        {"answer": "0.5", "answer_display": "0.5", "count": 3, "share": pytest.approx(0.3)},
    ]
    # 12 answers are too few for any fault flag, and 2 of 12 right could still be 40%.
    assert hardest["flags"] == []
    # Moodle's statistics follow the contract's keys.
    assert hardest["answer_key"] == {"_INPUT_1_": ["3/4"]}
    given = {a["answer"]: a for a in hardest["answer_analysis"]}
    assert given["2/6"]["count"] == 7 and not given["2/6"]["correct"]
    assert given["3/4"]["correct"] and given["3/4"]["mean_ability"] is not None
    assert hardest["discriminative_efficiency"] is None or hardest["discriminative_efficiency"] <= 1


def test_hard_questions_respect_limit_chapter_and_minimum_answers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table rows stay on one line
    runner = CliRunner()
    limited = runner.invoke(
        app,
        [
            "hard-questions",
            "--format",
            "json",
            "--limit",
            "1",
            "--min-answers",
            "5",
            "--chapter",
            "fractions",
        ],
    )
    assert [i["question_id"] for i in json.loads(limited.stdout)] == ["q-frac"]
    none = runner.invoke(app, ["hard-questions", "--format", "json", "--min-answers", "13"])
    assert json.loads(none.stdout) == []
    table = runner.invoke(app, ["hard-questions", "--min-answers", "5"])
    assert table.exit_code == 0 and "q-frac" in table.stdout and "2/6 (70%)" in table.stdout


def test_the_html_report_explains_each_hard_question_with_its_misconceptions(
    settings: Settings, tmp_path: Path
) -> None:
    out = write_hard_questions_report(
        settings.published_path, tmp_path / "report" / "hard.html", min_answers=5
    )
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    # Self-contained, works offline: it loads nothing (its only addresses are links).
    assert "<script" not in html and "<link" not in html and 'src="http' not in html
    assert "What is 1/2 + 1/4? &lt;b&gt;Simplify.&lt;/b&gt;" in html  # content is escaped
    assert html.index("q-frac") < html.index("q-add") < html.index("q-easy")
    # "0.50" and ".5" typed by students match the course's ".5" after normalising.
    assert "adds the numerators and the denominators" in html
    assert "takes the first fraction only" in html
    assert "<code>2/6</code>" in html and "70%" in html and "17%" in html  # 2 of 12 first time
    assert "not described in the course" in html  # q-add's "5" has no misconception listed
    assert "Answer key:" in html and "discriminative efficiency" in html
    assert "Raised only with at least 40 answers" in html  # every flag says what it needs


def test_each_question_of_the_report_links_to_its_edit_page(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUIZFLOW_PUBLIC_URL", raising=False)
    local = write_hard_questions_report(settings.published_path, tmp_path / "a.html", min_answers=5)
    assert (
        'href="http://127.0.0.1:8000/editor/courses/algebra/questions/q-frac"' in local.read_text()
    )
    monkeypatch.setenv("QUIZFLOW_PUBLIC_URL", "https://quiz.example.org/")
    public = write_hard_questions_report(
        settings.published_path, tmp_path / "b.html", min_answers=5
    ).read_text()
    assert public.count('href="https://quiz.example.org/editor/courses/algebra/questions/') == 3


def test_the_editor_pages_show_the_same_figures_as_the_report(settings: Settings) -> None:
    figures = course_figures(settings.published_path, "algebra")
    assert figures.problem is None and figures.snapshot_at
    hardest = figures.by_question["q-frac"]
    assert (hardest["answers"], hardest["facility"]) == (12, pytest.approx(2 / 12))
    assert hardest["difficulty"] is not None and hardest["difficulty_se"] > 0
    top = hardest["top_wrong_answers"][0]
    assert (top["answer"], top["count"]) == ("2/6", 7)
    assert top["misconception"] == "adds the numerators and the denominators"
    assert set(figures.by_question) == {"q-frac", "q-add", "q-easy"}
    assert course_figures(settings.published_path, "algebra") is figures  # kept per snapshot
    assert course_figures(settings.published_path, "nothing").by_question == {}


def test_the_html_option_writes_the_report_next_to_the_table(
    settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "editors.html"
    result = CliRunner().invoke(
        app, ["hard-questions", "--min-answers", "5", "--html", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert "adds the numerators" in target.read_text()


def test_hard_questions_before_any_pipeline_run_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "empty"))
    result = CliRunner().invoke(app, ["hard-questions"])
    assert result.exit_code == 1
    assert "run `quizflow pipeline run` first" in " ".join(result.stderr.split())
