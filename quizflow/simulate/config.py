"""What a simulation is asked to do, and what it reports back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

DEFAULT_START = date(2026, 10, 26)  # a Monday, after the autumn holiday


@dataclass(frozen=True)
class SimulationConfig:
    students: int = 50
    days: int = 5  # school days (weekdays)
    seed: int = 1
    start_date: date = DEFAULT_START
    schools: int = 2
    # Students run concurrently; each student's commands stay in order, so the events do not
    # depend on how the threads interleave (only their positions in the global order do).
    workers: int = 6
    # Faulty questions to plant (see simulate.faults); 0 publishes the course as it is.
    plant_faults: int = 0

    def __post_init__(self) -> None:
        if self.students < 1 or self.days < 1 or self.schools < 1 or self.workers < 1:
            raise ValueError("students, days, schools and workers must be at least 1")
        if self.plant_faults < 0:
            raise ValueError("plant_faults cannot be negative")


@dataclass(frozen=True)
class DayDone:
    """Progress: a simulated school day is done."""

    day: int  # 1-based
    days: int
    date: date
    answers: int
    events_appended: int


@dataclass(frozen=True)
class Summary:
    students: int
    schools: int
    classes: int
    days: int
    first_day: str
    last_day: str
    sessions: int
    sessions_quit_early: int
    commands: int
    replayed: int
    rejected: int
    answers: int
    correct: int
    correct_share: float
    passes: int
    restarts: int
    students_finished: int  # passed every chapter
    wheel_spinners: int
    events_appended: int
    elapsed_s: float
    events_per_s: float
    commands_per_s: float
    # The planted faulty questions: [{"question_id", "fault"}], empty without planting.
    planted: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
