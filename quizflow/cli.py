"""`quizflow`: one command line for the whole system. Each group lives in quizflow/commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="Quizflow: an event-sourced quiz platform with an analytics pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# (module, name, is a group). Commands import their heavy dependencies lazily, so
# `quizflow --help` stays fast.
_COMMANDS: list[tuple[str, str, bool]] = [
    ("quizflow.commands.demo", "demo", False),
    ("quizflow.commands.serve", "serve", False),
    ("quizflow.commands.db", "db", True),
    ("quizflow.commands.bench", "bench", True),
    ("quizflow.commands.pipeline", "pipeline", True),
    ("quizflow.commands.course", "course", True),
    ("quizflow.commands.simulate", "simulate", False),
    ("quizflow.commands.report", "report", True),
    ("quizflow.commands.query", "query", False),
    ("quizflow.commands.hard_questions", "hard-questions", False),
    ("quizflow.commands.importer", "import", True),
    ("quizflow.commands.accounts", "accounts", True),
    ("quizflow.commands.privacy", "privacy", True),
]


def _register() -> None:
    for module_name, name, is_group in _COMMANDS:
        module = importlib.import_module(module_name)
        if is_group:
            app.add_typer(module.app, name=name)
        else:
            app.command(name)(module.command)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
