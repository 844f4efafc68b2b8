"""Reading a school's roster CSV (every problem reported with its line), usernames made from
names, and what an import would change in a roster (no database: a fake credentials table)."""

from __future__ import annotations

from typing import Any

import pytest

from quizflow.accounts.admin import AdminError, append
from quizflow.accounts.roster_import import (
    MAX_STUDENTS,
    Problem,
    RosterInvalid,
    RosterLine,
    plan_import,
    read_roster,
    student_id,
    unique_username,
    username_base,
)
from quizflow.eventstore import InMemoryEventStore
from quizflow.quiz import (
    AccountCreated,
    ClassRegistered,
    SchoolRegistered,
    StudentEnrolled,
    StudentMoved,
)


def problems(data: bytes | str) -> list[tuple[int, str]]:
    with pytest.raises(RosterInvalid) as raised:
        read_roster(data)
    return [(p.line, p.problem) for p in raised.value.problems]


# -- reading the file ----------------------------------------------------------------------------
def test_a_good_file_gives_one_line_per_student_with_its_line_number() -> None:
    lines = read_roster(
        b"student_number,name,class,email\n"
        b"1001, Anna  de Vries ,7A,anna@example.org\n"
        b"\n"
        b"1002,Bob Jansen,7B,\n"
    )
    assert lines == [
        RosterLine(2, "1001", "Anna de Vries", "7A", "anna@example.org"),
        RosterLine(4, "1002", "Bob Jansen", "7B", None),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "student_number,name,class",
        "Student Number,Name,Class",
        "NUMBER,NAME,CLASS",
        "Leerlingnummer,Naam,Klas",
        "leerling-nummer,naam,klas",
        "nr,naam,klas,E-mail",
        "klas,naam,leerlingnummer",
        "id,number,name,class,notes",
    ],
)
def test_common_header_spellings_are_understood_in_any_case_and_order(header: str) -> None:
    values = {
        "number": "7",
        "name": "Anna",
        "class": "7a",
        "naam": "Anna",
        "klas": "7a",
        "nr": "7",
        "leerlingnummer": "7",
        "leerling-nummer": "7",
        "e-mail": "",
        "student number": "7",
        "student_number": "7",
        "id": "x",
        "notes": "y",
    }
    row = ",".join(values[column.lower()] for column in header.split(","))
    [line] = read_roster(f"{header}\n{row}\n")
    assert (line.number, line.name, line.class_name) == ("7", "Anna", "7a")


def test_semicolons_tabs_a_byte_order_mark_and_windows_encoding_are_read() -> None:
    assert read_roster("\ufeffnummer;naam;klas\r\n1;Zoë;7a\r\n".encode())[0].name == "Zoë"
    assert read_roster(b"number\tname\tclass\n1\tAnna\t7a\n")[0].class_name == "7a"
    assert read_roster("number;name;class\n1;Zoë;7a\n".encode("cp1252"))[0].name == "Zoë"
    # Excel's first line naming the separator: the header is line 2.
    assert read_roster(b"sep=;\nnumber;name;class\n1;Anna, B.;7a\n")[0].line == 3


def test_every_problem_is_reported_with_its_line() -> None:
    found = problems(
        b"number,name,class,email\n"
        b"1,Anna,7a,not-an-address\n"
        b",Bob,7a,\n"
        b"1,,7b,\n"
        b"3,Carl,,\n"
        b"4,Dana,7a,dana@example.org\n"
        b"4,Dana Again,7a,\n"
    )
    assert found == [
        (2, "'not-an-address' is not an e-mail address"),
        (3, "the student number is missing"),
        (4, "the student number '1' is on line 2 too"),
        (4, "the name is empty"),
        (5, "the class is missing"),
        (7, "the student number '4' is on line 6 too"),
    ]


def test_a_value_over_two_lines_keeps_the_line_numbers_right() -> None:
    found = problems(b'number,name,class\n1,"Anna\nde Vries",7a\n2,,7a\n')
    assert found == [(4, "the name is empty")]


def test_missing_and_doubled_columns_are_reported_on_the_header() -> None:
    found = problems(b"naam,klas\nAnna,7a\n")
    assert [line for line, _ in found] == [1]
    assert "student number" in found[0][1] and "leerlingnummer" in found[0][1]
    found = problems(b"number,name,naam,class\n1,Anna,Anna,7a\n")
    assert found == [(1, "two columns give the name: 'name' and 'naam'")]


def test_rows_with_too_many_values_and_open_quotes_are_located() -> None:
    assert problems(b"number,name,class\n1,Anna,7a\n2,Vries, Anna de,7a\n") == [
        (3, "4 values where the header has 3 columns (a separator inside a value needs quotes)")
    ]
    assert problems(b'number,name,class\n1,Anna,7a\n2,"Bob,7a\n3,Carl,7b\n') == [
        (3, 'a quote (") opens here and is never closed')
    ]


def test_an_empty_file_or_a_header_alone_is_refused() -> None:
    assert problems(b"") == [(0, "the file is empty")]
    assert problems(b"number,name,class\n\n") == [(0, "the file has no students, only a header")]
    assert str(Problem(0, "x")) == "x" and str(Problem(3, "x")) == "line 3: x"


def test_a_file_of_too_many_students_is_refused_whole() -> None:
    rows = "".join(f"{n},Student {n},7a\n" for n in range(MAX_STUDENTS + 1))
    [(line, problem)] = problems("number,name,class\n" + rows)
    assert line == 0 and f"at most {MAX_STUDENTS}" in problem


# -- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "username"),
    [
        ("Anna de Vries", "anna.devries"),
        ("  ANNA   DE  VRIES ", "anna.devries"),
        ("Bob", "bob"),
        ("Jan-Willem van den Berg", "janwillem.vandenberg"),
        ("Zoë Ørsted-Müller", "zoe.orstedmuller"),
        ("Seán O'Brien", "sean.obrien"),
        ("Łukasz Straße", "lukasz.strasse"),
        ("李小龍", "student"),
    ],
)
def test_a_username_is_lower_case_ascii_made_from_the_name(name: str, username: str) -> None:
    assert username_base(name) == username


def test_a_taken_username_gets_the_first_free_number() -> None:
    taken = {"anna.devries", "anna.devries2"}
    assert unique_username("Anna de Vries", taken.__contains__) == "anna.devries3"
    assert unique_username("Bob", taken.__contains__) == "bob"


def test_the_student_id_is_derived_from_school_and_number_only() -> None:
    assert student_id("hill", "1001") == student_id("hill", " 1001 ")
    assert student_id("hill", "1001") != student_id("dale", "1001")
    assert student_id("hill", "1001").startswith("s-") and len(student_id("hill", "1")) == 14


# -- comparing with the roster ---------------------------------------------------------------------
class Credentials:
    """Enough of a connection for ``credentials.find`` and ``credentials.of_account``."""

    def __init__(self, usernames: dict[str, str]) -> None:
        self.usernames = usernames  # username -> account id
        self._row: Any = None

    def execute(self, sql: str, params: tuple[str, ...]) -> Credentials:
        (key,) = params
        match = [
            (a, u)
            for u, a in self.usernames.items()
            if (u == key if "where username" in sql else a == key)
        ]
        self._row = (match[0][0], match[0][1], None, False) if match else None
        return self

    def fetchone(self) -> Any:
        return self._row


@pytest.fixture
def store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    append(
        store,
        [
            SchoolRegistered("hill", "Hill School"),
            ClassRegistered("hill", "7a", "Class 7A", "t-ada", "Ms Ada"),
            ClassRegistered("hill", "hill-7b", "7B", "", ""),
            StudentEnrolled("hill", "7a", "alice", "Alice"),
            StudentEnrolled("hill", "7a", student_id("hill", "1"), "Anna de Vries"),
            StudentEnrolled("hill", "7a", student_id("hill", "2"), "Bob Jansen"),
            StudentMoved("hill", student_id("hill", "2"), "hill-7b"),
            AccountCreated("alice", "hill", "Alice", ("student",)),
        ],
        "test",
    )
    return store


def test_the_plan_creates_moves_renames_and_leaves_the_rest(store: InMemoryEventStore) -> None:
    conn = Credentials({"anna.devries": "x", "carl.smit": "y"})
    lines = read_roster(
        "number,name,class\n"
        "1,Anna de Vries,class 7a\n"  # unchanged ("Class 7A", by name)
        "2,Bob Janssen,7A\n"  # moved back to 7a and renamed
        "3,Carl Smit,7b\n"  # new, in hill-7b (its id sans school)
        "4,Carl Smit,8C\n"  # new, and a new class
        "5,Dana,8c\n"
    )  # new, same new class
    plan = plan_import(store, conn, "hill", lines)  # type: ignore[arg-type]
    assert plan.summary() == {
        "created": 3,
        "moved": 1,
        "renamed": 1,
        "classes_created": 1,
        "unchanged": 1,
    }
    assert [(c.class_id, c.name) for c in plan.new_classes] == [("hill-8c", "8C")]
    assert [(s.line, s.username, s.class_id) for s in plan.creates] == [
        (4, "carl.smit2", "hill-7b"),
        (5, "carl.smit3", "hill-8c"),
        (6, "dana", "hill-8c"),
    ]
    assert [(m.student_id, m.from_class, m.to_class) for m in plan.moves] == [
        (student_id("hill", "2"), "hill-7b", "7a")
    ]
    assert [(r.old_name, r.new_name) for r in plan.renames] == [("Bob Jansen", "Bob Janssen")]
    assert not plan.warnings and not plan.applied


def test_a_new_student_named_like_one_of_the_school_is_made_with_a_warning(
    store: InMemoryEventStore,
) -> None:
    plan = plan_import(
        store,
        Credentials({}),
        "hill",  # type: ignore[arg-type]
        read_roster("number,name,class\n9,alice,7a\n"),
    )
    assert [s.username for s in plan.creates] == ["alice"]
    assert [w.line for w in plan.warnings] == [2] and "alice" in plan.warnings[0].problem


def test_an_account_made_for_the_number_but_not_enrolled_is_refused(
    store: InMemoryEventStore,
) -> None:
    conn = Credentials({"someone": student_id("hill", "9")})
    with pytest.raises(RosterInvalid) as raised:
        plan_import(
            store,
            conn,
            "hill",  # type: ignore[arg-type]
            read_roster("number,name,class\n9,Eve,7a\n"),
        )
    assert [p.line for p in raised.value.problems] == [2]


def test_an_unknown_school_is_refused(store: InMemoryEventStore) -> None:
    with pytest.raises(AdminError):
        plan_import(
            store,
            Credentials({}),
            "dale",  # type: ignore[arg-type]
            read_roster("number,name,class\n1,Eve,7a\n"),
        )
