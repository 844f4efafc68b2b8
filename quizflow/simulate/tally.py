"""Counting what happened, per student (so no counter is shared between threads) and in total."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Tally:
    sessions: int = 0
    sessions_quit_early: int = 0
    commands: int = 0
    replayed: int = 0  # commands handled before (a re-run): their events were not appended again
    rejected: int = 0
    answers: int = 0
    correct: int = 0
    passes: int = 0
    restarts: int = 0
    events_appended: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @classmethod
    def total(cls, tallies: list[Tally]) -> Tally:
        total = cls()
        for tally in tallies:
            total.add(tally)
        return total
