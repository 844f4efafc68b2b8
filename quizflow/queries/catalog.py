"""Named queries: the SQL files in ``queries/``, each read with the header that documents it.

A file answers one question. Its header is the contract a reader (and ``quizflow query``) relies
on, so it is parsed, not just read by people:

    -- <name>: <one-line summary>             the name must be the file's stem
    -- more description ...
    -- param <name>: <type>, required. <what it is>
    -- param <name>: <type> = <default>. <what it is>    (default ``null``: no filter)
    -- row: <what one result row is> ...

Types: text, integer, double, boolean, timestamp, date. Every declared parameter must appear as
a DuckDB named placeholder (``$name``) in the body and every placeholder must be declared, so a
file cannot silently ignore a parameter or depend on an undeclared one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizflow.queries.values import TYPES, parse_value
from quizflow.settings import PROJECT_ROOT

QUERIES_DIR = PROJECT_ROOT / "queries"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TITLE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\s*:\s*(?P<summary>.+)$")
_PARAM = re.compile(
    r"^param\s+(?P<name>[a-z_][a-z0-9_]*)\s*:\s*(?P<type>[a-z]+)\s*"
    r"(?:,\s*(?P<required>required)|=\s*(?P<default>\S+?))\s*\.\s*(?P<doc>.*)$"
)
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")
# String literals and comments may hold '$' (JSON paths like '$.inputs'): not placeholders.
_NOT_CODE = re.compile(r"'(?:[^']|'')*'|--[^\n]*")


class QueryDefinitionError(ValueError):
    """A query file whose header or placeholders do not hold together."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    default: Any
    doc: str

    def describe(self) -> str:
        when = "required" if self.required else f"default {_show(self.default)}"
        return f"{self.name} ({self.type}, {when}): {self.doc}"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    row: str
    sql: str
    path: Path


def parse_query(path: Path) -> NamedQuery:
    text = path.read_text()
    header: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        header.append(stripped[2:].strip())
    where = f"{path}"
    if not header or not (title := _TITLE.match(header[0])):
        raise QueryDefinitionError(f"{where}: the first line must be '-- <name>: <summary>'")
    name = title["name"]
    if name != path.stem or not _NAME.match(name):
        raise QueryDefinitionError(f"{where}: the header names {name!r}, the file {path.stem!r}")
    description, parameters, row = [title["summary"]], [], []
    section = description
    for line in header[1:]:
        if line.startswith("param "):
            parameters.append(_parse_parameter(line, where))
            section = []  # a parameter's doc is one line; what follows is ignored until row:
        elif line.startswith("row:"):
            row.append(line[len("row:") :].strip())
            section = row
        elif line:
            section.append(line)
    if not row:
        raise QueryDefinitionError(f"{where}: the header needs '-- row: <what a row is>'")
    declared = [p.name for p in parameters]
    if len(set(declared)) != len(declared):
        raise QueryDefinitionError(f"{where}: a parameter is declared twice")
    used = set(_PLACEHOLDER.findall(_NOT_CODE.sub("", text)))
    if used != set(declared):
        raise QueryDefinitionError(
            f"{where}: placeholders {sorted(used)} do not match the declared parameters "
            f"{sorted(declared)}"
        )
    return NamedQuery(
        name=name,
        summary=title["summary"].strip(),
        description=" ".join(description),
        parameters=tuple(parameters),
        row=" ".join(row),
        sql=text,
        path=path,
    )


def _parse_parameter(line: str, where: str) -> Parameter:
    match = _PARAM.match(line)
    if not match:
        raise QueryDefinitionError(
            f"{where}: cannot read {line!r}; write 'param <name>: <type>, required. <doc>' "
            "or 'param <name>: <type> = <default>. <doc>'"
        )
    type_ = match["type"]
    if type_ not in TYPES:
        raise QueryDefinitionError(f"{where}: {match['name']}: type must be one of {TYPES}")
    default = None
    if match["default"] is not None and match["default"] != "null":
        try:
            default = parse_value(type_, match["default"])
        except ValueError as error:
            raise QueryDefinitionError(f"{where}: default of {match['name']}: {error}") from None
    return Parameter(match["name"], type_, match["required"] is not None, default, match["doc"])


def replace_placeholders(sql: str, replacement: Callable[[str], str]) -> str:
    """``sql`` with each ``$name`` outside strings and comments given by ``replacement``."""
    pieces, last = [], 0
    for kept in _NOT_CODE.finditer(sql):
        pieces.append(_PLACEHOLDER.sub(lambda m: replacement(m[1]), sql[last : kept.start()]))
        pieces.append(kept.group())
        last = kept.end()
    pieces.append(_PLACEHOLDER.sub(lambda m: replacement(m[1]), sql[last:]))
    return "".join(pieces)


def load_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` by name (sorted); raises on a malformed file.

    Read afresh on each call (a dozen small files): an analyst's new file shows up at once.
    """
    queries = [parse_query(path) for path in sorted(directory.glob("*.sql"))]
    return {q.name: q for q in queries}


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
