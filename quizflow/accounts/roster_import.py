"""Importing a school's roster from the CSV its administration system exports.

One row a student: a student number, a name, a class, and optionally an e-mail address. The
whole file is checked first and every problem is reported with its line; when there is any,
nothing is written. Otherwise the file is compared with the school's roster and only what
changed is applied, each change through ``quizflow.accounts.admin``: classes the school does
not have yet are registered, new students get a student account (a username made from the name,
no password: they activate with a code), students in another class are moved, renamed students
renamed. Nobody is removed: a student missing from the file keeps their account.

Students are matched by their student number, without storing it: the account id is derived
from it (``student_id``), so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hmac
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from quizflow.accounts import admin, credentials
from quizflow.eventstore import EventStore
from quizflow.privacy.keys import names_of

# What the columns may be called (compared case-insensitively, ignoring spaces, "-", "_", ".").
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": (
        "studentnumber",
        "studentno",
        "studentnr",
        "number",
        "nr",
        "leerlingnummer",
        "leerlingnr",
        "llnr",
        "nummer",
        "stamnummer",
    ),
    "name": ("name", "naam", "fullname", "studentname", "volledigenaam", "leerlingnaam"),
    "class": ("class", "klas", "classname", "klasnaam", "group", "groep", "stamgroep"),
    "email": ("email", "emailaddress", "emailadres", "mail"),
}
REQUIRED = ("number", "name", "class")
_LABELS = {"number": "student number", "name": "name", "class": "class", "email": "e-mail"}
_EXAMPLES = {
    "number": "student_number, number or leerlingnummer",
    "name": "name or naam",
    "class": "class or klas",
}

MAX_STUDENTS = 5000  # a file per school (or per year): more is split into several
MAX_NUMBER = 50
MAX_NAME = 200
MAX_CLASS = 100
MAX_USERNAME_BASE = 40
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")
_SEPARATORS = (",", ";", "\t", "|")
# Letters NFKD does not take apart into a base letter and accents.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)


# -- reading the file ----------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """What is wrong on one line of the file (line 1 is the header; 0 is the whole file)."""

    line: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}" if self.line else self.problem


class RosterInvalid(ValueError):
    """The file cannot be imported; ``problems`` says what is wrong where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(
            "; ".join(str(p) for p in self.problems[:5])
            + (f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else "")
        )


@dataclass(frozen=True)
class RosterLine:
    line: int
    number: str
    name: str
    class_name: str
    email: str | None = None


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.replace("\ufeff", "")).casefold()


def read_roster(data: bytes | str) -> list[RosterLine]:
    """Every student line of the file; RosterInvalid with every problem found."""
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    first_line = 1
    lines = text.splitlines()
    # Excel's "sep=;" line names the separator.
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        separator = lines[0].strip()[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = 2
    else:
        separator = _sniff_separator(lines[0] if lines else "")
    if not text.strip():
        raise RosterInvalid([Problem(0, "the file is empty")])
    # Imported here: only an uploaded roster needs polars, and importing it with the module
    # made every web app start about a second slower.
    import polars as pl

    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode()),
            has_header=False,
            infer_schema=False,
            separator=separator,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as error:
        raise RosterInvalid(_unreadable(text, separator, first_line, error)) from None
    rows: list[tuple[str | None, ...]] = frame.rows()
    header, body = rows[0], rows[1:]
    if len(body) > MAX_STUDENTS:
        raise RosterInvalid(
            [
                Problem(
                    0,
                    f"the file has {len(body)} lines; import at most "
                    f"{MAX_STUDENTS} at a time (split it by year or class)",
                )
            ]
        )
    columns, problems = _columns(header, first_line)
    if problems:
        raise RosterInvalid(problems)

    found: list[RosterLine] = []
    first_of_number: dict[str, int] = {}
    line = first_line + 1 + _newlines(header)
    for row in body:
        here, line = line, line + 1 + _newlines(row)
        if all(value is None or not value.strip() for value in row):
            continue  # a blank line
        values = {key: _clean(row[index]) for key, index in columns.items()}
        number, name = values["number"], values["name"]
        class_name, email = values["class"], values.get("email", "")
        wrong = []
        if not number:
            wrong.append("the student number is missing")
        elif len(number) > MAX_NUMBER:
            wrong.append(f"the student number is longer than {MAX_NUMBER} characters")
        elif number in first_of_number:
            wrong.append(f"the student number {number!r} is on line {first_of_number[number]} too")
        else:
            first_of_number[number] = here
        if not name:
            wrong.append("the name is empty")
        elif len(name) > MAX_NAME:
            wrong.append(f"the name is longer than {MAX_NAME} characters")
        if not class_name:
            wrong.append("the class is missing")
        elif len(class_name) > MAX_CLASS:
            wrong.append(f"the class is longer than {MAX_CLASS} characters")
        if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
            wrong.append(f"{email[:60]!r} is not an e-mail address")
        problems.extend(Problem(here, w) for w in wrong)
        if not wrong:
            found.append(RosterLine(here, number, name, class_name, email or None))
    if not problems and not found:
        problems.append(Problem(0, "the file has no students, only a header"))
    if problems:
        raise RosterInvalid(problems)
    return found


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page.
        return data.decode("cp1252", errors="replace")


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _clean(value: str | None) -> str:
    # Whitespace collapsed; control characters (a stray tab, a zero-width space) dropped.
    if value is None:
        return ""
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return " ".join(value.split())


def _newlines(row: tuple[str | None, ...]) -> int:
    # A quoted value with line breaks spans lines of the file.
    return sum(value.count("\n") for value in row if value)


def _columns(header: tuple[str | None, ...], line: int) -> tuple[dict[str, int], list[Problem]]:
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    columns: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        key = aliases.get(header_key(title or ""))
        if key is None:
            continue  # other columns are left alone
        if key in columns:
            problems.append(
                Problem(
                    line,
                    f"two columns give the {_LABELS[key]}: {header[columns[key]]!r} and {title!r}",
                )
            )
        else:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            problems.append(
                Problem(
                    line, f"no column for the {_LABELS[key]} (a header such as {_EXAMPLES[key]})"
                )
            )
    return columns, problems


def _unreadable(text: str, separator: str, first_line: int, error: Exception) -> list[Problem]:
    """Where the file stops being CSV, found with the standard library's reader."""
    problems = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    width = None
    start = last = first_line  # where the next row starts, and where the last row read did
    try:
        for row in reader:
            if width is None:
                width = len(row)
            elif len(row) > width:
                problems.append(
                    Problem(
                        start,
                        f"{len(row)} values where the header has {width} "
                        "columns (a separator inside a value needs quotes)",
                    )
                )
            last, start = start, first_line + reader.line_num
    except csv.Error as csv_error:
        problems.append(Problem(start, f"not CSV: {csv_error}"))
    if text.count('"') % 2:
        # The reader took everything after the open quote as one value: the last row it read.
        problems.append(Problem(last, 'a quote (") opens here and is never closed'))
    if not problems:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "not CSV"
        problems.append(Problem(0, f"the file cannot be read as CSV: {reason}"))
    return problems


# -- names -----------------------------------------------------------------------------------
def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def ascii_words(text: str) -> list[str]:
    """The words of ``text`` in lower-case ASCII letters and digits, accents taken off."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = (re.sub(r"[^a-z0-9]", "", word) for word in text.split())
    return [word for word in words if word]


def username_base(name: str) -> str:
    """A username from a name: the first word, a dot, then the other words run together
    (``Anna de Vries`` -> ``anna.devries``); ``student`` when nothing of the name is left."""
    words = ascii_words(name)
    if not words:
        return "student"
    base = words[0] if len(words) == 1 else f"{words[0]}.{''.join(words[1:])}"
    return base[:MAX_USERNAME_BASE].strip(".")


def unique_username(name: str, taken: Callable[[str], bool]) -> str:
    """``username_base(name)``, or with the first number from 2 on that makes it free."""
    base = username_base(name)
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def student_id(school_id: str, number: str, secret: bytes = b"") -> str:
    """The account id of the school's student with this student number.

    Derived, not stored: importing the same file again finds the same students, and the
    number itself stays out of the events. The number is personal data and a short one is
    quickly tried: the hash is keyed with a secret kept beside the name keys (``secret``; the
    in-memory store of unit tests has none).
    """
    digest = hmac.new(secret, f"{school_id}:{number.strip()}".encode(), "sha256").hexdigest()
    return f"s-{digest[:12]}"


def school_student_id(store: EventStore, school_id: str, number: str) -> str:
    """``student_id`` keyed with this store's secret: the id an import gives the student."""
    return student_id(school_id, number, names_of(store).secret("student-number"))


def class_slug(name: str) -> str:
    return "-".join(ascii_words(name.replace("-", " ").replace(".", " ")))[:40] or "class"


# -- comparing with the roster ---------------------------------------------------------------
@dataclass(frozen=True)
class NewClass:
    class_id: str
    name: str


@dataclass(frozen=True)
class NewStudent:
    line: int
    student_id: str
    name: str
    class_id: str
    class_name: str
    username: str


@dataclass(frozen=True)
class Move:
    line: int
    student_id: str
    name: str
    from_class: str
    to_class: str
    to_class_name: str


@dataclass(frozen=True)
class Rename:
    line: int
    student_id: str
    old_name: str
    new_name: str


@dataclass
class ImportPlan:
    """What importing the file changes; after ``apply`` also what it did (``applied``)."""

    school_id: str
    new_classes: list[NewClass] = field(default_factory=list)
    creates: list[NewStudent] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "moved": len(self.moves),
            "renamed": len(self.renames),
            "classes_created": len(self.new_classes),
            "unchanged": self.unchanged,
        }

    @property
    def changes(self) -> int:
        return len(self.new_classes) + len(self.creates) + len(self.moves) + len(self.renames)

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "applied": self.applied,
            "summary": self.summary(),
            "classes_created": [vars(c) for c in self.new_classes],
            "created": [vars(s) for s in self.creates],
            "moved": [vars(m) for m in self.moves],
            "renamed": [vars(r) for r in self.renames],
            "warnings": [str(w) for w in self.warnings],
        }


def plan_import(
    store: EventStore, conn: psycopg.Connection[Any], school_id: str, lines: list[RosterLine]
) -> ImportPlan:
    """What the file changes in the school's roster (nothing is written)."""
    roster = admin.school_roster(store, school_id)
    if roster.name is None:
        raise admin.AdminError(f"there is no school {school_id!r}")
    plan = ImportPlan(school_id)
    secret = names_of(store).secret("student-number")
    classes = _match_classes(store, roster, lines, plan)
    names_in_school = {fold(s.name): s for s in roster.students.values()}
    taken_here: set[str] = set()
    taken = _taken(conn, taken_here)
    problems = []
    for row in lines:
        sid = student_id(school_id, row.number, secret)
        class_id = classes[fold(row.class_name)]
        class_name = roster.classes[class_id].name if class_id in roster.classes else row.class_name
        current = roster.students.get(sid)
        if current is None:
            if credentials.of_account(conn, sid) is not None:
                problems.append(
                    Problem(
                        row.line,
                        f"an account {sid} exists for this student "
                        "number, but not in the school's roster",
                    )
                )
                continue
            same_name = names_in_school.get(fold(row.name))
            if same_name is not None:
                plan.warnings.append(
                    Problem(
                        row.line,
                        (
                            f"{same_name.name!r} ({same_name.student_id}) is already a student "
                            "of the school, without this student number: a second account is "
                            "made"
                        ),
                    )
                )
            username = unique_username(row.name, taken)
            taken_here.add(username)
            plan.creates.append(NewStudent(row.line, sid, row.name, class_id, class_name, username))
            continue
        changed = False
        if current.class_id != class_id:
            plan.moves.append(Move(row.line, sid, row.name, current.class_id, class_id, class_name))
            changed = True
        if current.name != row.name:
            plan.renames.append(Rename(row.line, sid, current.name, row.name))
            changed = True
        plan.unchanged += not changed
    if problems:
        raise RosterInvalid(problems)
    return plan


def _match_classes(
    store: EventStore, roster: admin.SchoolRoster, lines: list[RosterLine], plan: ImportPlan
) -> dict[str, str]:
    """The class id of each class the file names (folded), new ones added to ``plan``.

    A value matches a class of the school by its name first, then by its id (with or without
    the school's prefix): ``7A`` finds the class ``7a`` as well as ``hill-7a``."""
    by_key: dict[str, str] = {}
    for school_class in roster.classes.values():
        by_key.setdefault(fold(school_class.name), school_class.class_id)
    for class_id in roster.classes:
        by_key.setdefault(fold(class_id), class_id)
        by_key.setdefault(fold(class_id.removeprefix(f"{roster.school_id}-")), class_id)
    used = {c for classes in admin.registered_schools(store).values() for c in classes}
    found: dict[str, str] = {}
    for row in lines:
        key = fold(row.class_name)
        if key in found:
            continue
        if key in by_key:
            found[key] = by_key[key]
            continue
        base = f"{roster.school_id}-{class_slug(row.class_name)}"
        class_id, n = base, 1
        while class_id in used:
            n += 1
            class_id = f"{base}-{n}"
        used.add(class_id)
        found[key] = class_id
        plan.new_classes.append(NewClass(class_id, row.class_name))
    return found


def apply_plan(
    store: EventStore, conn: psycopg.Connection[Any], plan: ImportPlan, actor: str = "admin"
) -> ImportPlan:
    """Make the plan's changes; the usernames in ``plan.creates`` are the ones given.

    Not one transaction (credentials and events live apart): if it stops half-way, importing
    the file again finishes the job, as every step it already made is then unchanged."""
    for new_class in plan.new_classes:
        admin.register_class(store, plan.school_id, new_class.class_id, new_class.name, actor=actor)
    roster = admin.school_roster(store, plan.school_id)  # the classes just registered included
    created = []
    for new in plan.creates:
        username = new.username
        tried: set[str] = set()
        while True:
            try:
                admin.create_account(
                    store,
                    conn,
                    roles=["student"],
                    username=username,
                    name=new.name,
                    school_id=plan.school_id,
                    class_id=new.class_id,
                    account_id=new.student_id,
                    actor=actor,
                    roster=roster,
                )
                break
            except credentials.UsernameTaken:
                # Taken since the plan was made (another import, an admin at work).
                tried.add(username)
                username = unique_username(new.name, _taken(conn, tried))
        created.append(
            NewStudent(new.line, new.student_id, new.name, new.class_id, new.class_name, username)
        )
    plan.creates = created
    for move in plan.moves:
        admin.move_student(store, plan.school_id, move.student_id, move.to_class, actor=actor)
    for rename in plan.renames:
        admin.rename_student(store, plan.school_id, rename.student_id, rename.new_name, actor=actor)
    plan.applied = True
    return plan


def _taken(conn: psycopg.Connection[Any], also: set[str]) -> Callable[[str], bool]:
    return lambda username: username in also or credentials.find(conn, username) is not None


def import_roster(
    store: EventStore,
    conn: psycopg.Connection[Any],
    school_id: str,
    data: bytes | str,
    *,
    dry_run: bool = False,
    actor: str = "admin",
) -> ImportPlan:
    """Check the file, compare it with the roster, and (unless ``dry_run``) apply the changes.

    RosterInvalid (nothing written) when any line is wrong; AdminError for an unknown school.
    """
    lines = read_roster(data)
    plan = plan_import(store, conn, school_id, lines)
    if dry_run:
        return plan
    return apply_plan(store, conn, plan, actor)
