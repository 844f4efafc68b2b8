"""What a teacher should read first: totals, the change since last week, and what needs action.

Pure functions over the query rows of a ``ClassWeek`` (no IO), so the wording and the rules of
when something needs action are tested on their own. The thresholds are named here: a teacher
reading "stuck" or "most got it wrong" can find out what it means.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

# A question is worth going over in class when this share of the class's answers was wrong
# and more than one student got it wrong (one student's repeated slip is a talk, not a lesson).
HARD_SHARE = 0.4
HARD_MIN_STUDENTS_WRONG = 2
# Practice time falling below this share of last week's is worth a word.
DROP_SHARE = 0.5
# How many hardest questions the report shows, and how many wrong answers for each.
HARD_QUESTIONS_SHOWN = 5
WRONG_ANSWERS_SHOWN = 3
# More stuck students than this become one action with a list instead of one line each.
STUCK_LINES = 4


@dataclass(frozen=True)
class Totals:
    students: int
    active_students: int
    answers: int
    correct_answers: int
    time_on_task_ms: int
    chapters_passed: int  # student-chapter pairs first passed that week
    students_stuck: int

    @property
    def share_correct(self) -> float | None:
        return self.correct_answers / self.answers if self.answers else None


@dataclass(frozen=True)
class Change:
    label: str
    this_week: str
    last_week: str
    change: str  # "up 20%", "down 3", "no change"
    direction: int  # 1 up, -1 down, 0 the same
    # What the change means for the class: 1 better, -1 worse, 0 neither (for colour). Fewer
    # students stuck is better although the number went down.
    meaning: int = 0


@dataclass(frozen=True)
class Action:
    kind: str  # "stuck", "question", "inactive", "drop"
    headline: str
    details: list[str] = field(default_factory=list)


def totals(students: list[Row], chapters: list[Row]) -> Totals:
    return Totals(
        students=len(students),
        active_students=sum(1 for s in students if s["answers"] > 0),
        answers=sum(s["answers"] for s in students),
        correct_answers=sum(s["correct_answers"] for s in students),
        time_on_task_ms=sum(s["time_on_task_ms"] for s in students),
        chapters_passed=sum(1 for c in chapters if c["status"] == "passed this week"),
        students_stuck=len({c["student_id"] for c in chapters if c["status"] == "stuck"}),
    )


def changes(now: Totals, before: Totals) -> list[Change]:
    """The class's figures this week against last week's, in words."""

    def count(label: str, a: int, b: int, *, fewer_is_better: bool = False) -> Change:
        direction = _sign(a - b)
        meaning = -direction if fewer_is_better else direction
        return Change(label, str(a), str(b), _count_change(a, b), direction, meaning)

    right = (
        _sign(now.share_correct - before.share_correct)
        if now.share_correct is not None and before.share_correct is not None
        else 0
    )
    practised = _sign(now.time_on_task_ms - before.time_on_task_ms)
    return [
        count("Students who practised", now.active_students, before.active_students),
        count("Answers given", now.answers, before.answers),
        Change(
            "Answers right",
            percent(now.share_correct),
            percent(before.share_correct),
            _points_change(now.share_correct, before.share_correct),
            right,
            right,
        ),
        Change(
            "Time practising (whole class)",
            duration(now.time_on_task_ms),
            duration(before.time_on_task_ms),
            _count_change(now.time_on_task_ms, before.time_on_task_ms, as_duration=True),
            practised,
            practised,
        ),
        count("Chapters passed", now.chapters_passed, before.chapters_passed),
        count("Students stuck", now.students_stuck, before.students_stuck, fewer_is_better=True),
    ]


def hardest_questions(questions: list[Row], wrong_answers: list[Row]) -> list[Row]:
    """The hardest questions (by the query's rank) with their most common wrong answers."""
    by_question: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for w in wrong_answers:
        by_question[(w["course_id"], w["question_id"])].append(w)
    shown = []
    for q in sorted(questions, key=lambda q: q["rank"])[:HARD_QUESTIONS_SHOWN]:
        wrong = sorted(by_question[(q["course_id"], q["question_id"])], key=lambda w: w["rank"])
        shown.append({**q, "top_wrong_answers": wrong[:WRONG_ANSWERS_SHOWN]})
    return shown


def stuck_chapters(chapters: list[Row]) -> dict[str, list[Row]]:
    """Per student id, the chapters they are stuck on."""
    stuck: dict[str, list[Row]] = defaultdict(list)
    for c in chapters:
        if c["status"] == "stuck":
            stuck[c["student_id"]].append(c)
    return dict(stuck)


def actions(
    students: list[Row],
    chapters: list[Row],
    hardest: list[Row],
    now: Totals,
    before: Totals,
) -> list[Action]:
    """The few things that need the teacher, most urgent first (empty: nothing does)."""
    found: list[Action] = []
    names = {s["student_id"]: s["student_name"] for s in students}
    stuck = stuck_chapters(chapters)
    lines = [
        f"{names.get(sid, sid)}: {_chapter_list(rows)}"
        for sid, rows in sorted(stuck.items(), key=lambda item: str(names.get(item[0], item[0])))
    ]
    if 0 < len(lines) <= STUCK_LINES:
        found += [Action("stuck", f"Sit down with {line}.") for line in lines]
    elif lines:
        found.append(
            Action("stuck", f"{len(lines)} students keep restarting without passing:", lines)
        )

    for q in hardest:
        if q["share_wrong"] >= HARD_SHARE and q["students_wrong"] >= HARD_MIN_STUDENTS_WRONG:
            found.append(_question_action(q))
            break  # the hardest one; the rest are in the list further down

    # Someone who has passed every chapter has nothing left to practise: not a worry.
    finished = finished_students(chapters)
    inactive = [s for s in students if s["answers"] == 0 and s["student_id"] not in finished]
    if inactive and len(inactive) == len(students):
        found.append(Action("inactive", "Nobody in the class practised this week."))
    elif inactive:
        who = ", ".join(s["student_name"] for s in inactive)
        found.append(
            Action("inactive", f"{_students(len(inactive))} did not practise this week: {who}.")
        )

    if before.time_on_task_ms and now.time_on_task_ms < DROP_SHARE * before.time_on_task_ms:
        found.append(
            Action(
                "drop",
                f"The class practised {duration(now.time_on_task_ms)} this week, against "
                f"{duration(before.time_on_task_ms)} last week.",
            )
        )
    return found


def finished_students(chapters: list[Row]) -> set[str]:
    """Students who have passed every chapter of their courses (by the week's end)."""
    statuses: dict[str, set[str]] = defaultdict(set)
    for c in chapters:
        statuses[c["student_id"]].add(c["status"])
    passed = {"passed this week", "passed before"}
    return {sid for sid, seen in statuses.items() if seen and seen <= passed}


def _question_action(q: Row) -> Action:
    details = []
    top = q["top_wrong_answers"][0] if q["top_wrong_answers"] else None
    if top:
        detail = (
            f"Most common wrong answer: “{top.get('answer_display') or top['answer']}”, "
            f"from {_students(top['students'])}"
        )
        if top.get("misconception"):
            detail += f" (a known mistake: {top['misconception']})"
        details.append(detail + ".")
    return Action(
        "question",
        f"Go over “{q['text'] or q['question_id']}” ({q['chapter_title'] or q['chapter_id']}): "
        f"{percent(q['share_wrong'])} of the answers were wrong, "
        f"from {_students(q['students_wrong'])}.",
        details,
    )


def _chapter_list(rows: list[Row]) -> str:
    parts = [
        f"stuck on {c['chapter_title']} ({c['restarts_so_far']} restarts without passing)"
        for c in rows
    ]
    return "; ".join(parts)


def _students(n: int) -> str:
    return f"{n} student" if n == 1 else f"{n} students"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)}%"


def duration(ms: int | float | None) -> str:
    """Time in words a teacher reads at a glance: "0 min", "25 min", "1 h 05 min"."""
    if not ms:
        return "0 min"
    minutes = round(ms / 60_000)
    if minutes < 60:
        return f"{minutes} min" if minutes else "<1 min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _count_change(now: int, before: int, *, as_duration: bool = False) -> str:
    if now == before:
        return "no change"
    if before == 0:
        return "new this week"
    word = "up" if now > before else "down"
    if as_duration:
        return f"{word} {round(100 * abs(now - before) / before)}%"
    return f"{word} {abs(now - before)}"


def _points_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "–"
    points = round(100 * now) - round(100 * before)
    if points == 0:
        return "no change"
    unit = "percentage point" if abs(points) == 1 else "percentage points"
    return f"{'up' if points > 0 else 'down'} {abs(points)} {unit}"
