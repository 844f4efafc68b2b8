"""Benchmarks behind `quizflow bench ...`; each prints one JSON document with its baselines."""
