"""The synthetic roster: schools, classes with their teacher and maths timetable, students.

Everything follows from the seed and a student's index, and class boundaries do not depend
on how many students there are: a run with 300 students contains the run with 30. Ids carry
the seed, so simulations with different seeds can share one store without meeting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time

from quizflow.quiz import AccountCreated, ClassRegistered, Event, SchoolRegistered, StudentEnrolled
from quizflow.simulate import names
from quizflow.simulate.seeding import stream

CLASS_SIZES = range(22, 29)  # "classes of about 25"
MATHS_LESSONS_PER_WEEK = 3
# A Dutch secondary-school day of 50-minute lessons, breaks left out (local time).
LESSON_STARTS = (
    time(8, 30), time(9, 20), time(10, 30), time(11, 20), time(12, 40), time(13, 30), time(14, 20),
)  # fmt: skip
LESSON_MINUTES = 50


@dataclass(frozen=True)
class SchoolClass:
    index: int
    school_id: str
    class_id: str
    name: str
    teacher_id: str
    teacher_name: str
    # (weekday 0=Monday, lesson number): when the class has maths and may practise.
    maths_lessons: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Enrolment:
    index: int
    student_id: str
    name: str
    school_class: SchoolClass


@dataclass(frozen=True)
class Roster:
    schools: tuple[SchoolRegistered, ...]
    classes: tuple[SchoolClass, ...]
    students: tuple[Enrolment, ...]

    def facts(self) -> list[Event]:
        """The roster as events, schools before their classes before their students."""
        facts: list[Event] = list(self.schools)
        facts += [
            ClassRegistered(c.school_id, c.class_id, c.name, c.teacher_id, c.teacher_name)
            for c in self.classes
        ]
        facts += [
            StudentEnrolled(s.school_class.school_id, s.school_class.class_id, s.student_id, s.name)
            for s in self.students
        ]
        return facts + self.accounts()

    def accounts(self) -> list[AccountCreated]:
        """An account for every student and teacher, and an admin and a content editor per
        school (``{school_id}-admin``, ``{school_id}-editor``). Accounts have no password: one
        is set with an activation code (``quizflow accounts codes``), or by the demo."""
        accounts = [
            AccountCreated(s.student_id, s.school_class.school_id, s.name, ("student",))
            for s in self.students
        ]
        teachers = {c.teacher_id: c for c in self.classes}
        accounts += [
            AccountCreated(t, c.school_id, c.teacher_name, ("teacher",))
            for t, c in teachers.items()
        ]
        for school in self.schools:
            accounts.append(
                AccountCreated(
                    f"{school.school_id}-admin",
                    school.school_id,
                    f"{school.name} admin",
                    ("admin",),
                )
            )
            accounts.append(
                AccountCreated(
                    f"{school.school_id}-editor",
                    school.school_id,
                    f"{school.name} content editor",
                    ("editor",),
                )
            )
        return accounts


def build_roster(seed: int, students: int, schools: int = 2) -> Roster:
    prefix = f"sim{seed}"
    classes: list[SchoolClass] = []
    enrolments: list[Enrolment] = []
    while len(enrolments) < students:
        k = len(classes)
        rng = stream(seed, "class", k)
        school_index = k % schools
        size = rng.choice(CLASS_SIZES)
        school_class = SchoolClass(
            index=k,
            school_id=f"{prefix}-school{school_index + 1}",
            class_id=f"{prefix}-class{k + 1}",
            # Classes alternate between schools, so the n-th class of a school is 2A, 2B, ...
            name=f"2{chr(ord('A') + k // schools)}" if k // schools < 26 else f"2-{k // schools}",
            teacher_id=f"{prefix}-teacher{k + 1}",
            teacher_name=names.person(rng),
            maths_lessons=_timetable(rng),
        )
        classes.append(school_class)
        for _ in range(min(size, students - len(enrolments))):
            index = len(enrolments)
            enrolments.append(
                Enrolment(
                    index=index,
                    student_id=f"{prefix}-student{index + 1:04d}",
                    name=names.person(stream(seed, "name", index)),
                    school_class=school_class,
                )
            )
    used = sorted({c.index % schools for c in classes})
    school_facts = tuple(SchoolRegistered(f"{prefix}-school{i + 1}", names.school(i)) for i in used)
    return Roster(school_facts, tuple(classes), tuple(enrolments))


def _timetable(rng: random.Random) -> tuple[tuple[int, int], ...]:
    days = sorted(rng.sample(range(5), MATHS_LESSONS_PER_WEEK))
    return tuple((day, rng.randrange(len(LESSON_STARTS))) for day in days)
