"""The bench's files section: its rows and targets, from figures of the shape bench/files_route.py gives."""

from __future__ import annotations

from bench import report

FIGURES = {
    "points": 100_000, "repeats": 3, "gpx_s": 0.9, "gpx_cpu_s": 0.8, "fit_s": 1.2, "fit_cpu_s": 1.1,
    "gpx_peak_mb": 267.0, "fit_peak_mb": 80.0, "child_base_mb": 49.0, "peak_mb": 267.0, "gpx_bounded_s": 1.5,
    "hostile_max_s": 1.35, "hostile_s": {"entity expansion": 0.9, "3M xmlns": 1.35},
    "route": {"place_ms": 0.08, "place_p99_ms": 0.11},
}  # fmt: skip


def test_the_files_section_has_its_targets_and_rows() -> None:
    found = {t["target"]: t["ok"] for t in report.targets({"files": FIGURES})}
    assert found == {
        "read a 100k-point GPX": True,
        "read a 100k-point FIT": False,
        "slowest hostile file refused": True,
        "place a position on a 5,000-point route": True,
    }
    table = report.table({"files": FIGURES})
    assert "| read the FIT (CPU) | 1.20 s (1.10 s) | ≤ 1 s | ✗ |" in table
    assert "| refused: 3M xmlns | 1.35 s | | |" in table
    assert "| place a position on a 5,000-point route, mean / p99 | 0.080 / 0.110 ms | ≤ 1 ms | ✓ |" in table
