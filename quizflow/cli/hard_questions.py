"""`quizflow hard-questions`: the questions students find hardest, for content editors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from quizflow.cli.output import Format, err, print_json, print_rows
from quizflow.cli.snapshot import open_snapshot_or_exit


def command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many questions.")] = 20,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json (one document) or csv.")
    ] = Format.table,
    course: Annotated[str | None, typer.Option("--course", help="Only this course.")] = None,
    chapter: Annotated[str | None, typer.Option("--chapter", help="Only this chapter.")] = None,
    min_answers: Annotated[
        int, typer.Option("--min-answers", min=1, help="Leave out questions with fewer answers.")
    ] = 10,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML report for editors here.")
    ] = None,
) -> None:
    """Questions ranked by Rasch difficulty, with facility, top wrong answers and flags."""
    import duckdb

    from quizflow.reports.hard_questions import (
        load_hard_questions,
        public_fields,
        shared_question_ids,
        write_hard_questions_report,
    )
    from quizflow.settings import load_settings

    path = load_settings().published_path
    con = open_snapshot_or_exit(path)
    try:
        if course is None and (shared := shared_question_ids(con)):
            err.print(
                f"[yellow]note:[/] question ids {', '.join(map(escape, shared))} are used in "
                "more than one course and their answers are pooled; pass --course to separate"
            )
        items = load_hard_questions(
            con, limit=limit, min_answers=min_answers, course_id=course, chapter_id=chapter
        )
    except duckdb.Error as error:
        err.print(f"[red]reading the snapshot failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if html is not None:
        written = write_hard_questions_report(
            path,
            html,
            limit=limit,
            min_answers=min_answers,
            course_id=course,
            chapter_id=chapter,
            items=items,
        )
        err.print(f"report written to {written}")
    public = [public_fields(item) for item in items]
    if fmt is Format.json:
        print_json(public)
    elif not public:
        err.print(f"no question has {min_answers} or more answers in this selection")
    elif fmt is Format.csv:
        print_rows(public, fmt)
    else:
        print_rows([_readable(item) for item in public], fmt, title="hard questions")


def _readable(item: dict[str, Any]) -> dict[str, Any]:
    """A narrower row for people: percentages, seconds, difficulty with its error."""
    text = item["text"] or ""
    difficulty, se = item["difficulty"], item["difficulty_se"]
    median = item["median_response_ms"]
    return {
        "question": item["question_id"],
        "text": text if len(text) <= 40 else text[:39] + "…",
        "answers": item["answers"],
        "right 1st time": "" if item["facility"] is None else f"{item['facility']:.0%}",
        "difficulty": "" if difficulty is None else f"{difficulty:+.2f} ± {se or 0:.2f}",
        "median time": "" if median is None else f"{median / 1000:.1f} s",
        "top wrong answers": ", ".join(
            f"{w.get('answer_display') or w['answer']} ({w['share']:.0%})"
            for w in item["top_wrong_answers"]
        ),
        "flags": ", ".join(item["flags"]),
    }
