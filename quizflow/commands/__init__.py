"""The `quizflow` command groups, one module each; cli.py wires them into one app."""
