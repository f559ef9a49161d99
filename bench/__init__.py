"""Benchmarks: run by hand (`python -m bench.api`), never by the test suite."""
