"""Benchmarks of Rapport's own code paths: ``rapport bench …``."""

from __future__ import annotations

from bot.bench.recall import bench_cli

__all__ = ["bench_cli"]
