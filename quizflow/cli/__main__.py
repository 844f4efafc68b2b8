"""`python -m quizflow.cli`: the `quizflow` command without its console script."""

from quizflow.cli import main

main()
