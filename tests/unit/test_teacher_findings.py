"""What the teacher report puts first: totals, the change since last week, the actions."""

from __future__ import annotations

from typing import Any

from quizflow.reports import teacher_findings as f


def student(sid: str, answers: int = 10, correct: int = 8, ms: int = 600_000) -> dict[str, Any]:
    return {
        "student_id": sid,
        "student_name": sid.title(),
        "answers": answers,
        "correct_answers": correct,
        "time_on_task_ms": ms,
    }


def chapter(sid: str, status: str, title: str = "Fractions", restarts: int = 0) -> dict[str, Any]:
    return {
        "student_id": sid,
        "chapter_id": title.lower(),
        "chapter_title": title,
        "status": status,
        "restarts_so_far": restarts,
    }


def question(rank: int, share: float, students_wrong: int, wrong: list[Any]) -> dict[str, Any]:
    return {
        "rank": rank,
        "course_id": "m",
        "question_id": f"q{rank}",
        "chapter_id": "fractions",
        "chapter_title": "Fractions",
        "text": f"Question {rank}",
        "share_wrong": share,
        "students_wrong": students_wrong,
        "top_wrong_answers": wrong,
    }


def test_totals_add_up_the_students_and_count_passes_and_stuck_students() -> None:
    students = [student("ann"), student("bob", 0, 0, 0), student("cyd", 5, 1, 60_000)]
    chapters = [
        chapter("ann", "passed this week"),
        chapter("ann", "stuck", "Decimals"),
        chapter("cyd", "stuck"),
        chapter("cyd", "stuck", "Decimals"),
        chapter("bob", "passed before"),
    ]
    totals = f.totals(students, chapters)
    assert totals == f.Totals(3, 2, 15, 9, 660_000, 1, 2)
    assert totals.share_correct == 0.6


def test_changes_say_up_or_down_against_last_week_in_plain_words() -> None:
    now = f.Totals(20, 18, 300, 240, 3_600_000, 5, 1)
    before = f.Totals(20, 20, 200, 150, 7_200_000, 5, 0)
    changes = {c.label: c for c in f.changes(now, before)}
    assert changes["Students who practised"].change == "down 2"
    assert changes["Answers given"].change == "up 100"
    assert changes["Answers right"].this_week == "80%"
    assert changes["Answers right"].change == "up 5 percentage points"
    assert changes["Time practising (whole class)"].change == "down 50%"
    assert changes["Time practising (whole class)"].this_week == "1 h 00 min"
    assert changes["Chapters passed"].change == "no change"
    assert changes["Students stuck"].change == "new this week"


def test_stuck_students_come_first_and_one_line_each_when_few() -> None:
    students = [student("ann"), student("bob")]
    chapters = [chapter("bob", "stuck", restarts=9), chapter("ann", "passed this week")]
    now = f.totals(students, chapters)
    actions = f.actions(students, chapters, [], now, now)
    assert [a.kind for a in actions] == ["stuck"]
    assert actions[0].headline == (
        "Sit down with Bob: stuck on Fractions (9 restarts without passing)."
    )


def test_many_stuck_students_become_one_action_with_a_list() -> None:
    students = [student(s) for s in "abcdef"]
    chapters = [chapter(s, "stuck", restarts=6) for s in "abcdef"]
    now = f.totals(students, chapters)
    (action,) = f.actions(students, chapters, [], now, now)
    assert action.headline.startswith("6 students keep restarting")
    assert len(action.details) == 6


def test_a_question_most_got_wrong_is_one_action_naming_the_common_wrong_answer() -> None:
    students = [student("ann")]
    wrong = [
        {
            "answer": "_INPUT_1_=2; _INPUT_2_=7",
            "answer_display": "x = 2; y = 7",
            "students": 4,
            "misconception": "swaps",
        }
    ]
    hardest = [question(1, 0.55, 4, wrong), question(2, 0.5, 3, [])]
    now = f.totals(students, [])
    (action,) = f.actions(students, [], hardest, now, now)
    assert action.kind == "question"
    assert "Question 1" in action.headline and "55%" in action.headline
    assert action.details == [
        "Most common wrong answer: “x = 2; y = 7”, from 4 students (a known mistake: swaps)."
    ]


def test_a_question_one_student_kept_getting_wrong_is_not_a_class_action() -> None:
    students = [student("ann")]
    now = f.totals(students, [])
    assert f.actions(students, [], [question(1, 0.9, 1, [])], now, now) == []


def test_students_who_did_not_practise_and_a_drop_in_practice_time_are_named() -> None:
    students = [student("ann", ms=60_000), student("bob", 0, 0, 0)]
    now = f.totals(students, [])
    before = f.Totals(2, 2, 40, 30, 1_800_000, 0, 0)
    actions = f.actions(students, [], [], now, before)
    assert [(a.kind, a.headline) for a in actions] == [
        ("inactive", "1 student did not practise this week: Bob."),
        ("drop", "The class practised 1 min this week, against 30 min last week."),
    ]


def test_the_colour_of_a_change_follows_its_meaning_not_its_sign() -> None:
    now = f.Totals(20, 18, 300, 240, 3_600_000, 5, 1)
    before = f.Totals(20, 20, 200, 180, 7_200_000, 4, 3)
    changes = {c.label: c for c in f.changes(now, before)}
    stuck = changes["Students stuck"]
    assert (stuck.change, stuck.direction, stuck.meaning) == ("down 2", -1, 1)
    assert (changes["Chapters passed"].direction, changes["Chapters passed"].meaning) == (1, 1)
    assert changes["Students who practised"].meaning == -1
    assert changes["Answers right"].change == "down 10 percentage points"
    one_point = f.changes(f.Totals(1, 1, 100, 81, 0, 0, 0), f.Totals(1, 1, 100, 80, 0, 0, 0))
    assert {c.label: c.change for c in one_point}["Answers right"] == "up 1 percentage point"


def test_a_student_who_passed_every_chapter_is_not_asked_after_for_not_practising() -> None:
    students = [student("ann", 0, 0, 0), student("bob", 0, 0, 0), student("cyd")]
    chapters = [
        chapter("ann", "passed before"),
        chapter("ann", "passed this week", "Decimals"),
        chapter("bob", "passed before"),
        chapter("bob", "working", "Decimals"),
        chapter("cyd", "working"),
    ]
    assert f.finished_students(chapters) == {"ann"}
    now = f.totals(students, chapters)
    actions = f.actions(students, chapters, [], now, now)
    assert [(a.kind, a.headline) for a in actions] == [
        ("inactive", "1 student did not practise this week: Bob."),
    ]


def test_a_quiet_class_gets_one_line_not_one_per_student() -> None:
    students = [student("ann", 0, 0, 0), student("bob", 0, 0, 0)]
    now = f.totals(students, [])
    (action,) = f.actions(students, [], [], now, now)
    assert action.headline == "Nobody in the class practised this week."


def test_hardest_questions_carry_their_most_common_wrong_answers_in_rank_order() -> None:
    questions = [{**question(r, 0.5, 2, []), "top_wrong_answers": None} for r in (2, 1)]
    wrong = [
        {"course_id": "m", "question_id": "q1", "answer": a, "rank": r}
        for r, a in [(2, "b"), (1, "a"), (3, "c"), (4, "d")]
    ]
    shown = f.hardest_questions(questions, wrong)
    assert [q["question_id"] for q in shown] == ["q1", "q2"]
    assert [w["answer"] for w in shown[0]["top_wrong_answers"]] == ["a", "b", "c"]
    assert shown[1]["top_wrong_answers"] == []


def test_durations_read_at_a_glance() -> None:
    assert f.duration(0) == "0 min"
    assert f.duration(20_000) == "<1 min"
    assert f.duration(25 * 60_000) == "25 min"
    assert f.duration(65 * 60_000) == "1 h 05 min"
    assert f.percent(None) == "–" and f.percent(0.456) == "46%"
