"""The roster and the accounts as the live read model keeps them: schools, classes, students,
teachers and who may sign in in which roles.

Not thread-safe by itself: the read model calls ``fold`` and the readers under its lock. Values
are frozen and replaced, never mutated, so a reader may keep one after the lock is released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from quizflow.app.readmodel_views import Account, SchoolClass, Student, Teacher
from quizflow.privacy.sealing import ERASED
from quizflow.quiz import (
    AccountCreated,
    AccountDeactivated,
    AccountReactivated,
    ClassRegistered,
    PersonalText,
    PersonErased,
    RoleGranted,
    RoleRevoked,
    SchoolRegistered,
    SchoolTimeZoneChanged,
    StudentEnrolled,
    StudentMoved,
    StudentRenamed,
)

# (sealed or plain text, the subject's id) -> the text, or None when it cannot be opened.
Reveal = Callable[[PersonalText, str], str | None]


def plain_only(value: PersonalText, subject_id: str) -> str | None:
    return value if isinstance(value, str) else None


class Roster:
    def __init__(self, reveal: Reveal = plain_only) -> None:
        self._reveal = reveal
        self.erased: set[str] = set()
        self.schools: dict[str, str] = {}  # school_id -> name
        self.time_zones: dict[str, str] = {}  # school_id -> its zone, where one was set
        self.classes: dict[str, SchoolClass] = {}
        self.students: dict[str, Student] = {}
        self.teachers: dict[str, Teacher] = {}
        self.accounts: dict[str, Account] = {}

    def fold(self, event: object) -> bool:
        """Apply a roster or account event; False when ``event`` is neither."""
        match event:
            case SchoolRegistered():
                self.schools[event.school_id] = event.name
            case SchoolTimeZoneChanged():
                self.time_zones[event.school_id] = event.time_zone
            case ClassRegistered():
                self._register_class(event)
            case StudentEnrolled():
                self.students[event.student_id] = Student(
                    event.student_id,
                    self._name(event.name, event.student_id),
                    event.school_id,
                    event.class_id,
                )
                self._join(event.student_id, event.school_id, event.class_id)
            case StudentMoved():
                student = self.students.get(event.student_id)
                if student is not None and student.class_id != event.class_id:
                    self._leave(event.student_id, student.class_id)
                    self.students[event.student_id] = replace(student, class_id=event.class_id)
                    self._join(event.student_id, event.school_id, event.class_id)
            case StudentRenamed():
                name = self._name(event.name, event.student_id)
                student = self.students.get(event.student_id)
                if student is not None:
                    self.students[event.student_id] = replace(student, name=name)
                account = self.accounts.get(event.student_id)
                if account is not None:
                    self.accounts[event.student_id] = replace(account, name=name)
            case AccountCreated():
                self.accounts[event.account_id] = Account(
                    event.account_id,
                    event.school_id,
                    self._name(event.name, event.account_id),
                    frozenset(event.roles),
                )
            case PersonErased():
                self._erase(event.account_id)
            case RoleGranted() | RoleRevoked():
                account = self.accounts.get(event.account_id)
                if account is not None:
                    roles = (
                        account.roles | {event.role}
                        if isinstance(event, RoleGranted)
                        else account.roles - {event.role}
                    )
                    self.accounts[event.account_id] = replace(account, roles=roles)
            case AccountDeactivated() | AccountReactivated():
                account = self.accounts.get(event.account_id)
                if account is not None:
                    self.accounts[event.account_id] = replace(
                        account, active=isinstance(event, AccountReactivated)
                    )
            case _:
                return False
        return True

    def _register_class(self, event: ClassRegistered) -> None:
        old = self.classes.get(event.class_id)
        teacher_name = self._name(event.teacher_name, event.teacher_id)
        self.classes[event.class_id] = SchoolClass(
            event.class_id,
            event.school_id,
            event.name,
            event.teacher_id,
            teacher_name,
            old.student_ids if old else (),
        )
        if old is not None and old.teacher_id != event.teacher_id:
            previous = self.teachers.get(old.teacher_id)
            if previous is not None:
                self.teachers[old.teacher_id] = replace(
                    previous, class_ids=tuple(c for c in previous.class_ids if c != event.class_id)
                )
        if not event.teacher_id:
            return
        teacher = self.teachers.get(event.teacher_id)
        classes = teacher.class_ids if teacher else ()
        if event.class_id not in classes:
            classes = (*classes, event.class_id)
        self.teachers[event.teacher_id] = Teacher(event.teacher_id, teacher_name, classes)

    def _name(self, value: PersonalText, subject_id: str) -> str:
        if subject_id in self.erased:
            return ERASED
        revealed = self._reveal(value, subject_id)
        return revealed if revealed is not None else ERASED

    def _erase(self, subject_id: str) -> None:
        """Every name of the person becomes "erased student"; their facts stay."""
        self.erased.add(subject_id)
        if subject_id in self.students:
            self.students[subject_id] = replace(self.students[subject_id], name=ERASED)
        if subject_id in self.accounts:
            self.accounts[subject_id] = replace(
                self.accounts[subject_id], name=ERASED, active=False
            )
        if subject_id in self.teachers:
            self.teachers[subject_id] = replace(self.teachers[subject_id], name=ERASED)
        for class_id, school_class in self.classes.items():
            if school_class.teacher_id == subject_id:
                self.classes[class_id] = replace(school_class, teacher_name=ERASED)

    def _join(self, student_id: str, school_id: str, class_id: str) -> None:
        school_class = self.classes.get(class_id) or SchoolClass(
            class_id, school_id, class_id, "", ""
        )
        if student_id not in school_class.student_ids:
            school_class = replace(
                school_class, student_ids=(*school_class.student_ids, student_id)
            )
        self.classes[class_id] = school_class

    def _leave(self, student_id: str, class_id: str) -> None:
        school_class = self.classes.get(class_id)
        if school_class is not None:
            self.classes[class_id] = replace(
                school_class,
                student_ids=tuple(s for s in school_class.student_ids if s != student_id),
            )
