"""Benchmarks: one command each; figures are recorded in docs/benchmarks.md."""
