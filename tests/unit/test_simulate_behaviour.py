"""How simulated students behave, read back from the events they cause."""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict

from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import InMemoryEventStore, RecordedEvent
from quizflow.simulate import SimulationConfig, Summary, simulate

CHAPTERS = [c["chapter_id"] for c in load_course_file(sample_course_path())["chapters"]]


@functools.cache
def term() -> tuple[Summary, dict[str, list[RecordedEvent]]]:
    """Forty students over two weeks, each student's quiz events in time order."""
    store = InMemoryEventStore()
    summary = simulate(store, SimulationConfig(students=40, days=10, seed=4))
    by_student: dict[str, list[RecordedEvent]] = defaultdict(list)
    for event in store.read_all(limit=1_000_000):
        if event.type.startswith("chapter-quiz/"):
            by_student[event.data["student_id"]].append(event)
    for events in by_student.values():
        events.sort(key=lambda e: (e.occurred_at, e.version))
    return summary, by_student


def names(events: list[RecordedEvent]) -> list[str]:
    return [e.type.split("/")[1] for e in events]


def test_after_a_wrong_answer_a_student_starts_over_or_leaves_the_quiz() -> None:
    _, by_student = term()
    next_steps: list[str] = []
    for events in by_student.values():
        by_quiz: dict[str, list[RecordedEvent]] = defaultdict(list)
        for event in events:
            by_quiz[event.stream_id].append(event)
        for quiz in by_quiz.values():
            steps = [*names(quiz), "(left)"]
            next_steps += [a for b, a in itertools.pairwise(steps) if b.endswith("Incorrectly")]
    assert set(next_steps) == {"QuizStartedOver", "(left)"}  # both happen, nothing else
    assert next_steps.count("QuizStartedOver") > next_steps.count("(left)")


def test_students_take_the_chapters_in_order_and_move_on_after_passing() -> None:
    _, by_student = term()
    for events in by_student.values():
        started = [
            e.data["chapter_id"]
            for e in events
            if e.type.endswith("/QuizStarted") and e.data["attempt"] == 1
        ]
        assert started == CHAPTERS[: len(started)]
    furthest = max(
        len({e.data["chapter_id"] for e in events if e.type.endswith("/QuizStarted")})
        for events in by_student.values()
    )
    assert furthest >= 3  # the order was seen over several chapters, not just the first


def test_some_students_wheel_spin_restarting_again_and_again_without_passing() -> None:
    summary, by_student = term()
    assert summary.wheel_spinners > 0
    spinning = [
        student
        for student, events in by_student.items()
        if names(events).count("QuizStartedOver") >= 15 and "QuizPassed" not in names(events)
    ]
    assert spinning


def test_some_sessions_end_early_and_most_answers_take_tens_of_seconds() -> None:
    summary, by_student = term()
    assert 0 < summary.sessions_quit_early < summary.sessions / 2
    gaps = []
    for events in by_student.values():
        for before, after in itertools.pairwise(events):
            if before.type.endswith("/QuestionAssigned") and "Answered" in after.type:
                gaps.append((after.occurred_at - before.occurred_at).total_seconds())
    gaps.sort()
    assert 15 < gaps[len(gaps) // 2] < 60


def test_abilities_differ_so_some_students_pass_everything_and_others_little() -> None:
    _, by_student = term()
    passes = sorted(names(events).count("QuizPassed") for events in by_student.values())
    assert passes[0] <= 1 and passes[-1] >= len(CHAPTERS)
