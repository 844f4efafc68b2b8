"""The question edit form: the question's data as rows a person fills in, and back.

Plain HTML without script, so the form always has room for one more input field and two more
wrong answers (blank rows, ignored while blank); a row is removed by emptying it. Accepted
answers are one per line. Wrong answers name their answer per input field by the field's row,
so renaming a field keeps them attached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from quizflow.quiz.equivalence import EQUIVALENCES

SPARE_FIELDS = 1
SPARE_WRONG_ANSWERS = 2
MAX_FIELDS = 10
MAX_WRONG_ANSWERS = 30
MAX_TEXT = 4000


@dataclass
class FieldRow:
    name: str = ""
    label: str = ""
    equivalence: str = "number"
    accepted: str = ""  # one per line

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.label.strip() or self.accepted.strip())


@dataclass
class WrongRow:
    answers: list[str] = field(default_factory=list)  # by field row
    misconception: str = ""
    feedback: str = ""

    @property
    def blank(self) -> bool:
        return not (any(a.strip() for a in self.answers) or self.misconception or self.feedback)


@dataclass
class QuestionForm:
    """What the edit form shows and what a post of it said."""

    question_id: str
    text: str = ""
    solution: str = ""
    fields: list[FieldRow] = field(default_factory=list)
    wrong_answers: list[WrongRow] = field(default_factory=list)
    # Kept from the published question, not edited here (the simulator's difficulty hint).
    difficulty: float | None = None
    problems: list[str] = field(default_factory=list)  # what the form itself cannot read

    def with_spare_rows(self) -> QuestionForm:
        width = len(self.fields) + SPARE_FIELDS
        fields = [*self.fields, *(FieldRow() for _ in range(SPARE_FIELDS))]
        wrong = [*self.wrong_answers, *(WrongRow() for _ in range(SPARE_WRONG_ANSWERS))]
        for row in wrong:
            row.answers = [*row.answers, *([""] * (width - len(row.answers)))][:width]
        return QuestionForm(
            self.question_id,
            self.text,
            self.solution,
            fields,
            wrong,
            self.difficulty,
            list(self.problems),
        )

    def to_data(self) -> dict[str, Any]:
        """The question's ``CoursePublished`` data (checked by the publishing rules later)."""
        kept = [(index, row) for index, row in enumerate(self.fields) if not row.blank]
        names = {index: _field_name(row, position) for position, (index, row) in enumerate(kept)}
        data: dict[str, Any] = {
            "question_id": self.question_id,
            "text": self.text,
            "fields": [{"name": names[i], "label": row.label.strip()} for i, row in kept],
            "accepted": {names[i]: _lines(row.accepted) for i, row in kept},
            "equivalence": {names[i]: row.equivalence for i, row in kept},
            "wrong_answers": [
                _wrong_data(row, names) for row in self.wrong_answers if not row.blank
            ],
        }
        if self.solution.strip():
            data["solution"] = self.solution
        if self.difficulty is not None:
            data["difficulty"] = self.difficulty
        return data


def from_question(data: Mapping[str, Any]) -> QuestionForm:
    """The form of a published question's data."""
    names = [f["name"] for f in data.get("fields", [])]
    fields = [
        FieldRow(
            f["name"],
            f.get("label", ""),
            data.get("equivalence", {}).get(f["name"], "number"),
            "\n".join(data.get("accepted", {}).get(f["name"], [])),
        )
        for f in data.get("fields", [])
    ]
    wrong = [
        WrongRow(
            [w.get("answer", {}).get(name, "") for name in names],
            w.get("misconception", ""),
            w.get("feedback", ""),
        )
        for w in data.get("wrong_answers", [])
    ]
    return QuestionForm(
        data["question_id"],
        data.get("text", ""),
        data.get("solution", ""),
        fields,
        wrong,
        data.get("difficulty"),
    )


def from_form(question_id: str, form: FormData, difficulty: float | None) -> QuestionForm:
    """The form as posted. Text is kept as typed (the publishing rules judge it), but bounded."""
    problems: list[str] = []

    def text(name: str) -> str:
        value = form.get(name, "")
        if not isinstance(value, str):
            return ""
        if len(value) > MAX_TEXT:
            problems.append(f"{name}: at most {MAX_TEXT} characters")
            return value[:MAX_TEXT]
        return value.replace("\r\n", "\n")

    fields = [
        FieldRow(
            text(f"field.{i}.name").strip(),
            text(f"field.{i}.label"),
            text(f"field.{i}.equivalence") or "number",
            text(f"field.{i}.accepted"),
        )
        for i in range(_rows(form, "field.", MAX_FIELDS))
    ]
    for position, row in enumerate(fields, start=1):
        if row.equivalence not in EQUIVALENCES:
            problems.append(
                f"input field {position}: compare as one of {', '.join(EQUIVALENCES)},"
                f" not {row.equivalence[:40]!r}"
            )
    wrong = [
        WrongRow(
            [text(f"wrong.{j}.answer.{i}").strip() for i in range(len(fields))],
            text(f"wrong.{j}.misconception").strip(),
            text(f"wrong.{j}.feedback").strip(),
        )
        for j in range(_rows(form, "wrong.", MAX_WRONG_ANSWERS))
    ]
    for position, wrong_row in enumerate((w for w in wrong if not w.blank), start=1):
        empty = [
            str(i + 1)
            for i, cell in enumerate(wrong_row.answers)
            if not cell and not fields[i].blank
        ]
        if empty:
            problems.append(
                f"wrong answer {position}: no answer for input field {', '.join(empty)}"
            )
    return QuestionForm(
        question_id, text("text"), text("solution").strip(), fields, wrong, difficulty, problems
    )


def _rows(form: FormData, prefix: str, limit: int) -> int:
    """How many rows with ``prefix`` the form has (their indexes are 0..n-1), at most limit."""
    indexes = set()
    for key in form:
        if key.startswith(prefix):
            head = key[len(prefix) :].split(".", 1)[0]
            if head.isdigit() and int(head) < limit:
                indexes.add(int(head))
    return max(indexes) + 1 if indexes else 0


def _field_name(row: FieldRow, position: int) -> str:
    # A new field may be left unnamed: it gets the name the course format uses for inputs.
    return row.name or f"_INPUT_{position + 1}_"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _wrong_data(row: WrongRow, names: Mapping[int, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "answer": {name: row.answers[i] for i, name in names.items() if i < len(row.answers)},
        "misconception": row.misconception,
    }
    if row.feedback:
        data["feedback"] = row.feedback
    return data
