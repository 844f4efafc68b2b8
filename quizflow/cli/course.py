"""`quizflow course ...`: course content, as the content-editing side publishes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from quizflow.cli.output import Format, err, print_json, print_rows

app = typer.Typer(help="Course content: publish a course file (YAML or JSON) as an event.")


@app.command("publish")
def publish_command(
    file: Annotated[Path, typer.Argument(help="The course file: .yaml, .yml or .json.")],
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json (one document) or csv.")
    ] = Format.table,
) -> None:
    """Validate a course file and publish it; publishing the same content again is a no-op."""
    from quizflow.content import CourseFileError, load_course_file

    try:
        data = load_course_file(file)
    except CourseFileError as error:
        # Problems first, before any database: a broken file never needs PostgreSQL to say so.
        err.print(f"[red]{escape(str(error))}[/]", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    report = _publish(data)
    if fmt is Format.json:
        print_json(report)
        return
    print_rows(report["chapters"], fmt, title=f"{report['course_id']}: {report['title']}")
    if fmt is Format.table:
        state = "published" if report["appended"] else "already published (nothing appended)"
        err.print(
            f"course {report['course_id']!r} version {report['version']} {state}: "
            f"{len(report['chapters'])} chapters, {report['questions']} questions, "
            f"event {report['event_id']} at position {report['position']}"
        )
    if report["appended"] and report["new_question_versions"]:
        changed = ", ".join(
            f"{q} (version {v})" for q, v in report["new_question_versions"].items()
        )
        err.print(f"new question versions: {escape(changed)}")
    for warning in report["warnings"]:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def _publish(data: dict[str, Any]) -> dict[str, Any]:
    from quizflow.app.publishing import publish_course
    from quizflow.database import open_store
    from quizflow.quiz import CoursePublished, course_stream_id, from_payload

    try:
        store = open_store()
    except Exception as error:
        err.print(f"[red]PostgreSQL unavailable:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    with store:
        before = store.read_stream(course_stream_id(data["course_id"]))
        event = publish_course(store, data)[0]
    known = {e.event_id for e in before}
    earlier = [from_payload(e.type, e.data) for e in before]
    latest = next((c.course for c in reversed(earlier) if isinstance(c, CoursePublished)), None)
    was = {
        q.question_id: q.version for c in (latest.chapters if latest else ()) for q in c.questions
    }
    now = from_payload(event.type, event.data)
    chapters = now.course.chapters if isinstance(now, CoursePublished) else ()
    # The questions this publication gives a new version (an edit students will see).
    new_versions = {
        q.question_id: q.version
        for c in chapters
        for q in c.questions
        if latest is not None and was.get(q.question_id) != q.version
    }
    warnings = []
    if any(
        isinstance(c, CoursePublished)
        and c.course.version == data["version"]
        and c.course.to_data() != data
        for c in earlier
    ):
        warnings.append(
            f"version {data['version']} was published before with other content; "
            "bump `version` so readers can tell the two apart"
        )
    if event.event_id in known and before and before[-1].event_id != event.event_id:
        warnings.append(
            "this content was published before, but a later version is the current one; "
            "publishing it again changes nothing (bump `version` to make it current)"
        )
    return {
        "course_id": data["course_id"],
        "title": data["title"],
        "version": data["version"],
        "appended": event.event_id not in known,
        "event_id": str(event.event_id),
        "position": event.position,
        "questions": sum(len(c["questions"]) for c in data["chapters"]),
        "chapters": [
            {"chapter_id": c["chapter_id"], "title": c["title"], "questions": len(c["questions"])}
            for c in data["chapters"]
        ],
        "warnings": warnings,
        "new_question_versions": new_versions if event.event_id not in known else {},
    }
