"""The synthetic roster: schools, classes of about 25 with a teacher, Dutch-ish names."""

from __future__ import annotations

from collections import Counter

from quizflow.quiz import AccountCreated, ClassRegistered, SchoolRegistered, StudentEnrolled
from quizflow.simulate.names import FIRST_NAMES
from quizflow.simulate.roster import build_roster


def test_three_hundred_students_make_two_schools_of_classes_of_about_25() -> None:
    roster = build_roster(seed=7, students=300)
    assert len(roster.students) == 300
    assert len(roster.schools) == 2
    sizes = Counter(s.school_class.class_id for s in roster.students)
    full = list(sizes.values())[:-1]  # the last class takes who is left
    assert all(22 <= size <= 28 for size in full)
    assert {c.school_id for c in roster.classes} == {s.school_id for s in roster.schools}
    assert len({c.teacher_id for c in roster.classes}) == len(roster.classes)


def test_the_roster_is_the_same_for_the_same_seed_and_differs_between_seeds() -> None:
    assert build_roster(7, 50) == build_roster(7, 50)
    other = build_roster(8, 50)
    assert {s.student_id for s in other.students}.isdisjoint(
        s.student_id for s in build_roster(7, 50).students
    )


def test_a_bigger_simulation_contains_the_smaller_one() -> None:
    small, big = build_roster(7, 30), build_roster(7, 300)
    assert big.students[:30] == small.students


def test_students_have_dutch_names() -> None:
    roster = build_roster(seed=7, students=60)
    assert all(s.name.split()[0] in FIRST_NAMES for s in roster.students)
    assert len({s.name for s in roster.students}) > 50


def test_the_roster_facts_register_schools_before_classes_before_students() -> None:
    facts = build_roster(seed=7, students=60).facts()
    kinds = [type(f) for f in facts]
    assert kinds == sorted(
        kinds, key=[SchoolRegistered, ClassRegistered, StudentEnrolled, AccountCreated].index
    )
    assert kinds.count(StudentEnrolled) == 60


def test_every_student_and_teacher_gets_an_account_and_each_school_an_admin_and_editor() -> None:
    roster = build_roster(seed=7, students=60)
    accounts = {a.account_id: a.roles for a in roster.accounts()}
    assert all(accounts[s.student_id] == ("student",) for s in roster.students)
    assert all(accounts[c.teacher_id] == ("teacher",) for c in roster.classes)
    for school in roster.schools:
        assert accounts[f"{school.school_id}-admin"] == ("admin",)
        assert accounts[f"{school.school_id}-editor"] == ("editor",)
