"""``simulate``: set up the roster and course, then let the students live through the days.

Days run one after another and the students of a day concurrently. The barrier between days
keeps the global order roughly in simulated time (day d's events before day d+1's), which
is how real traffic arrives and what incremental readers downstream expect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import partial

from quizflow.app.catalog import CourseCatalog
from quizflow.app.publishing import publish_course, register
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import EventStore
from quizflow.quiz import Course, course_stream_id
from quizflow.simulate.ability import draw_learner, true_difficulties
from quizflow.simulate.answers import WrongAnswerModel
from quizflow.simulate.config import DayDone, SimulationConfig, Summary
from quizflow.simulate.driver import DirectDriver, Driver
from quizflow.simulate.faults import PlantedFault, choose_faults, with_wrong_keys
from quizflow.simulate.roster import build_roster
from quizflow.simulate.schedule import local, practice_lessons, school_days
from quizflow.simulate.seeding import stream
from quizflow.simulate.student import Models, SimStudent
from quizflow.simulate.tally import Tally

SAMPLE_COURSE_ID = "sample-maths"
_SETUP_MINUTES = 7 * 60  # roster and course are in place at 07:00 on the first day


def simulate(
    store: EventStore,
    config: SimulationConfig,
    *,
    driver: Driver | None = None,
    progress: Callable[[DayDone], None] | None = None,
) -> Summary:
    """Simulate ``config.students`` students over ``config.days`` school days into ``store``.

    Commands go through ``driver`` (default: the command handler on ``store``); the roster
    and, when missing, the sample course are appended to ``store`` directly, as the content
    and administration sides would. Idempotent: a second run with the same config appends
    nothing.
    """
    started = time.perf_counter()
    days = school_days(config.start_date, config.days)
    setup_at = local(days[0], _SETUP_MINUTES)
    if config.plant_faults:
        course, planted, appended = publish_with_faults(
            store, config.seed, config.plant_faults, setup_at
        )
    else:
        (course, appended), planted = ensure_course(store, setup_at), ()
    roster = build_roster(config.seed, config.students, config.schools)
    appended += len(register(store, roster.facts(), occurred_at=setup_at + timedelta(minutes=30)))
    models = Models(
        course,
        true_difficulties(config.seed, course),
        WrongAnswerModel.build(config.seed, course),
        {p.question_id: p for p in planted},
    )
    students = [
        SimStudent(
            enrolment=enrolment,
            learner=draw_learner(stream(config.seed, "learner", enrolment.index)),
            rng=stream(config.seed, "behaviour", enrolment.index),
            ids=stream(config.seed, "ids", enrolment.index),
            models=models,
        )
        for enrolment in roster.students
    ]
    own_driver = driver is None
    driver = driver or DirectDriver(store)
    try:
        with ThreadPoolExecutor(config.workers, thread_name_prefix="quizflow-sim") as pool:
            for number, day in enumerate(days, start=1):
                lessons = {c.index: practice_lessons(config.seed, day, c) for c in roster.classes}
                # list() waits for the whole day and re-raises the first student's error.
                list(pool.map(partial(_live, day=day, lessons=lessons, driver=driver), students))
                if progress is not None:
                    total = Tally.total([s.tally for s in students])
                    progress(
                        DayDone(
                            number, len(days), day, total.answers, appended + total.events_appended
                        )
                    )
    finally:
        if own_driver:
            driver.close()
    elapsed = time.perf_counter() - started
    total = Tally.total([s.tally for s in students])
    events = appended + total.events_appended
    return Summary(
        students=len(students),
        schools=len(roster.schools),
        classes=len(roster.classes),
        days=len(days),
        first_day=days[0].isoformat(),
        last_day=days[-1].isoformat(),
        sessions=total.sessions,
        sessions_quit_early=total.sessions_quit_early,
        commands=total.commands,
        replayed=total.replayed,
        rejected=total.rejected,
        answers=total.answers,
        correct=total.correct,
        correct_share=round(total.correct / total.answers, 4) if total.answers else 0.0,
        passes=total.passes,
        restarts=total.restarts,
        students_finished=sum(len(s.passed) == len(course.chapters) for s in students),
        wheel_spinners=sum(s.learner.wheel_spinner for s in students),
        events_appended=events,
        elapsed_s=round(elapsed, 3),
        events_per_s=round(events / elapsed, 1) if elapsed else 0.0,
        commands_per_s=round(total.commands / elapsed, 1) if elapsed else 0.0,
        planted=[p.as_json() for p in planted],
    )


def _live(student: SimStudent, *, day: date, lessons: dict[int, list[int]], driver: Driver) -> None:
    student.live(day, lessons[student.enrolment.school_class.index], driver)


def publish_with_faults(
    store: EventStore, seed: int, count: int, occurred_at: datetime
) -> tuple[Course, tuple[PlantedFault, ...], int]:
    """Publish the sample course with ``count`` planted faults (over any published version);
    return the course as its authors meant it, the faults, and the events appended.

    Students answer from the course with its right keys; only the published one, which the
    command handler grades with, carries the wrong keys.
    """
    data = load_course_file(sample_course_path())
    course = Course.from_data(data)
    planted = choose_faults(seed, course, count)
    stream = course_stream_id(course.course_id)
    before = store.stream_version(stream)
    publish_course(store, with_wrong_keys(data, planted), occurred_at=occurred_at)
    # Publishing the same content again returns the stored event without appending it.
    return course, planted, store.stream_version(stream) - before


def ensure_course(store: EventStore, occurred_at: datetime | None = None) -> tuple[Course, int]:
    """The published sample course, publishing it first if it never was; and events appended.

    A course already published is used as it is: a content editor's newer version wins over
    the sample shipped with Quizflow.
    """
    published = CourseCatalog(store).get(SAMPLE_COURSE_ID)
    if published is not None:
        return published, 0
    data = load_course_file(sample_course_path())
    stored = publish_course(store, data, occurred_at=occurred_at)
    return Course.from_data(data), len(stored)
