"""Benchmarks: ``make bench``. Each prints our time next to a reference tool's on the same
input in the same run, as a ratio, with the input size; BENCHMARKS.md keeps the table."""
