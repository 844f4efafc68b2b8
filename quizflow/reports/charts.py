"""Report charts: altair specs rendered to SVG offline by vl-convert (no browser, no network).

Inline SVG keeps a report one self-contained file that prints sharply on paper. Each function
takes query rows and returns the SVG text, or None when there is nothing to draw (the report
then says so in words instead of showing an empty frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

Row = dict[str, Any]

# The status words of teacher_week_chapters, in reading order, with colours that survive a
# black-and-white printer (light to dark) and colour blindness (no red/green pair alone).
STATUS_ORDER = ["passed this week", "passed before", "working", "stuck", "not started"]
STATUS_COLOURS = ["#1b7837", "#a6dba0", "#d9d9d9", "#d6604d", "#ffffff"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAY_COLOURS = ["#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef", "#fdae6b", "#e6550d"]
WIDTH = 560  # fits A4 portrait between 15 mm margins at 96 dpi, with the axis labels
FONT = "Helvetica, Arial, sans-serif"
_ROW_HEIGHT = 18


def to_svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert

    # Altair's schema validation is a good share of each chart's time and adds nothing here:
    # the specs are fixed by this module and the tests render every one of them.
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict(validate=False))
    return svg


def _config(chart: alt.Chart | alt.LayerChart | alt.FacetChart) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=180)
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom")
    )


def progress_grid(chapters: Sequence[Row]) -> str | None:
    """Students (rows) against chapters (columns), coloured by status."""
    if not chapters:
        return None
    label = _student_labels(chapters)
    students = _unique(label[r["student_id"]] for r in chapters)
    order = sorted(
        {(r["chapter_number"] or 10**6, r["chapter_title"]) for r in chapters},
    )
    titles = _unique(title for _, title in order)
    values = [
        {
            "student": label[r["student_id"]],
            "chapter": r["chapter_title"],
            "status": r["status"],
            "restarts": r["restarts_so_far"],
        }
        for r in chapters
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("chapter:N", sort=titles, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("student:N", sort=students, title=None),
    )
    cells = base.mark_rect(stroke="#999999", strokeWidth=0.5).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS),
            legend=alt.Legend(title=None, columns=5),
        )
    )
    cell_width = max(40, min(110, (WIDTH - 160) // max(1, len(titles))))
    chart = cells.properties(width=cell_width * len(titles), height=_ROW_HEIGHT * len(students))
    return to_svg(_config(chart))


def time_on_task(
    days: Sequence[Row], students: Sequence[Row], last_week: Sequence[Row]
) -> str | None:
    """Minutes practised per student, split by weekday; a black tick marks last week's total."""
    if not students:
        return None
    label = _student_labels(students)
    names = [label[s["student_id"]] for s in students]
    bars = [
        {
            "student": label.get(d["student_id"], d["student_name"]),
            "day": WEEKDAYS[int(d["weekday"]) - 1],
            "minutes": round(d["time_on_task_ms"] / 60_000, 1),
        }
        for d in days
    ]
    before = {s["student_id"]: s["time_on_task_ms"] for s in last_week}
    ticks = [
        {
            "student": label[s["student_id"]],
            "minutes": round(before.get(s["student_id"], 0) / 60_000, 1),
        }
        for s in students
    ]
    y = alt.Y("student:N", sort=names, title=None, scale=alt.Scale(domain=names))
    stacked = (
        alt.Chart(alt.Data(values=bars))
        .mark_bar()
        .encode(
            x=alt.X("sum(minutes):Q", title="minutes practised"),
            y=y,
            color=alt.Color(
                "day:N",
                scale=alt.Scale(domain=WEEKDAYS, range=WEEKDAY_COLOURS),
                legend=alt.Legend(title=None, columns=7),
            ),
            order=alt.Order("day_order:Q"),
        )
        .transform_calculate(day_order=f"indexof({WEEKDAYS!r}, datum.day)")
    )
    marks = (
        alt.Chart(alt.Data(values=ticks))
        .mark_tick(color="black", thickness=2, size=_ROW_HEIGHT - 4)
        .encode(x=alt.X("minutes:Q"), y=y)
    )
    chart = alt.layer(stacked, marks).properties(width=WIDTH - 180, height=_ROW_HEIGHT * len(names))
    return to_svg(_config(chart))


def hardest_questions(questions: Sequence[Row]) -> str | None:
    """Share of wrong answers for the hardest questions, hardest on top."""
    if not questions:
        return None
    values = [
        {
            "question": _label(q),
            "share_wrong": q["share_wrong"],
            "answers": q["answers"],
        }
        for q in questions
    ]
    order = [v["question"] for v in values]
    bars = (
        alt.Chart(alt.Data(values=values))
        .mark_bar(color="#d6604d")
        .encode(
            x=alt.X(
                "share_wrong:Q",
                title="share of answers that were wrong",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("question:N", sort=order, title=None),
        )
    )
    labels = bars.mark_text(align="left", dx=3, fontSize=10, color="#333333").encode(
        text=alt.Text("share_wrong:Q", format=".0%")
    )
    chart = alt.layer(bars, labels).properties(width=WIDTH - 220, height=22 * len(values))
    return to_svg(_config(chart))


def _label(q: Row) -> str:
    # The rank keeps two questions with the same text apart (a nominal axis merges equal labels).
    text = " ".join(str(q.get("text") or q["question_id"]).split())
    text = text if len(text) <= 38 else text[:37] + "…"
    return f"{q['rank']}. {text}"


def _student_labels(rows: Sequence[Row]) -> dict[str, str]:
    """Student id -> the name on the axis; two students of one name get their ids added,
    since a nominal axis would merge them into one row."""
    names = {r["student_id"]: str(r["student_name"]) for r in rows}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {sid: name if seen[name] == 1 else f"{name} ({sid})" for sid, name in names.items()}


def _unique(items: Any) -> list[Any]:
    return list(dict.fromkeys(items))
