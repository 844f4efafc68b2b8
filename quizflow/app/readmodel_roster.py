"""The roster and the accounts as the live read model keeps them: schools, classes, students,
teachers and who may sign in in which roles.

Not thread-safe by itself: the read model calls ``fold`` and the readers under its lock. Values
are frozen and replaced, never mutated, so a reader may keep one after the lock is released.
"""

from __future__ import annotations

from dataclasses import replace

from quizflow.app.readmodel_views import Account, SchoolClass, Student, Teacher
from quizflow.quiz import (
    AccountCreated,
    AccountDeactivated,
    AccountReactivated,
    ClassRegistered,
    RoleGranted,
    RoleRevoked,
    SchoolRegistered,
    StudentEnrolled,
    StudentMoved,
    StudentRenamed,
)

ROSTER_EVENTS = (SchoolRegistered, ClassRegistered, StudentEnrolled, StudentMoved, StudentRenamed,
                 AccountCreated, RoleGranted, RoleRevoked, AccountDeactivated, AccountReactivated)


class Roster:
    def __init__(self) -> None:
        self.schools: dict[str, str] = {}  # school_id -> name
        self.classes: dict[str, SchoolClass] = {}
        self.students: dict[str, Student] = {}
        self.teachers: dict[str, Teacher] = {}
        self.accounts: dict[str, Account] = {}

    def fold(self, event: object) -> bool:
        """Apply a roster or account event; False when ``event`` is neither."""
        match event:
            case SchoolRegistered():
                self.schools[event.school_id] = event.name
            case ClassRegistered():
                self._register_class(event)
            case StudentEnrolled():
                self.students[event.student_id] = Student(
                    event.student_id, event.name, event.school_id, event.class_id)
                self._join(event.student_id, event.school_id, event.class_id)
            case StudentMoved():
                student = self.students.get(event.student_id)
                if student is not None and student.class_id != event.class_id:
                    self._leave(event.student_id, student.class_id)
                    self.students[event.student_id] = replace(student, class_id=event.class_id)
                    self._join(event.student_id, event.school_id, event.class_id)
            case StudentRenamed():
                student = self.students.get(event.student_id)
                if student is not None:
                    self.students[event.student_id] = replace(student, name=event.name)
                account = self.accounts.get(event.student_id)
                if account is not None:
                    self.accounts[event.student_id] = replace(account, name=event.name)
            case AccountCreated():
                self.accounts[event.account_id] = Account(
                    event.account_id, event.school_id, event.name, frozenset(event.roles))
            case RoleGranted() | RoleRevoked():
                account = self.accounts.get(event.account_id)
                if account is not None:
                    roles = (account.roles | {event.role} if isinstance(event, RoleGranted)
                             else account.roles - {event.role})
                    self.accounts[event.account_id] = replace(account, roles=roles)
            case AccountDeactivated() | AccountReactivated():
                account = self.accounts.get(event.account_id)
                if account is not None:
                    self.accounts[event.account_id] = replace(
                        account, active=isinstance(event, AccountReactivated))
            case _:
                return False
        return True

    def _register_class(self, event: ClassRegistered) -> None:
        old = self.classes.get(event.class_id)
        self.classes[event.class_id] = SchoolClass(
            event.class_id, event.school_id, event.name, event.teacher_id, event.teacher_name,
            old.student_ids if old else ())
        if old is not None and old.teacher_id != event.teacher_id:
            previous = self.teachers.get(old.teacher_id)
            if previous is not None:
                self.teachers[old.teacher_id] = replace(previous, class_ids=tuple(
                    c for c in previous.class_ids if c != event.class_id))
        if not event.teacher_id:
            return
        teacher = self.teachers.get(event.teacher_id)
        classes = teacher.class_ids if teacher else ()
        if event.class_id not in classes:
            classes = (*classes, event.class_id)
        self.teachers[event.teacher_id] = Teacher(event.teacher_id, event.teacher_name, classes)

    def _join(self, student_id: str, school_id: str, class_id: str) -> None:
        school_class = self.classes.get(class_id) or SchoolClass(
            class_id, school_id, class_id, "", "")
        if student_id not in school_class.student_ids:
            school_class = replace(
                school_class, student_ids=(*school_class.student_ids, student_id))
        self.classes[class_id] = school_class

    def _leave(self, student_id: str, class_id: str) -> None:
        school_class = self.classes.get(class_id)
        if school_class is not None:
            self.classes[class_id] = replace(school_class, student_ids=tuple(
                s for s in school_class.student_ids if s != student_id))
