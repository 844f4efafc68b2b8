"""`quizflow`: one command line for the whole system, one module per command group here."""

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
    ("quizflow.cli.demo", "demo", False),
    ("quizflow.cli.serve", "serve", False),
    ("quizflow.cli.db", "db", True),
    ("quizflow.cli.bench", "bench", True),
    ("quizflow.cli.pipeline", "pipeline", True),
    ("quizflow.cli.course", "course", True),
    ("quizflow.cli.simulate", "simulate", False),
    ("quizflow.cli.report", "report", True),
    ("quizflow.cli.query", "query", False),
    ("quizflow.cli.hard_questions", "hard-questions", False),
    ("quizflow.cli.importer", "import", True),
    ("quizflow.cli.accounts", "accounts", True),
    ("quizflow.cli.privacy", "privacy", True),
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
    from quizflow.settings import SettingError

    try:
        app()
    except SettingError as error:
        # A bad setting read by any command: the sentence naming it, not a traceback.
        from rich.markup import escape

        from quizflow.cli.output import err

        err.print(f"[red]error:[/] {escape(str(error))}", soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
