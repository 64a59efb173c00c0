"""Benchmark: recheck every bundled Iowa 2020 release (~12,000 precinct results).

Run: ``.venv/bin/python benchmarks/bench_checks.py [--repeat N] [--write]``. Prints the
time of each run and the precincts per second (best and median of N runs, one core,
releases loaded beforehand so only the checks are timed). ``--write`` records the
figures in the ``## Caucus-math checks`` section of BENCHMARKS.md. Target: < 0.5 s.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shadowtally.elections import load_election, load_release  # noqa: E402
from shadowtally.reconcile.official import check_release  # noqa: E402

HEADING = "## Caucus-math checks"


def run(repeat: int) -> dict[str, float]:
    election = load_election("iowa-2020")
    releases = {r.label: load_release("iowa-2020", r.label) for r in election.releases}
    units = sum(len(rows) for rows in releases.values())
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for label, rows in releases.items():
            check_release(election, rows, label)
        times.append(time.perf_counter() - start)
    return {"releases": len(releases), "units": units, "best": min(times), "median": statistics.median(times),
            "runs": repeat}


def write_section(path: Path, text: str) -> None:
    """Replace (or append) only our section of BENCHMARKS.md."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = old.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == HEADING), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "\n".join(lines[:start] + text.rstrip("\n").splitlines() + [""] + lines[end:]).rstrip("\n") + "\n"
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    r = run(args.repeat)
    summary = (f"{r['units']:,} precinct results in {r['releases']} releases: best {r['best']:.3f} s "
               f"({r['units'] / r['best']:,.0f} precincts/s), median {r['median']:.3f} s "
               f"({r['units'] / r['median']:,.0f} precincts/s) over {r['runs']} runs")
    print(summary)
    if args.write:
        text = (f"{HEADING}\n\nEvery rule (per-unit and cross-precinct) on every bundled Iowa 2020 release, "
                f"one core, releases preloaded.\n\n    .venv/bin/python benchmarks/bench_checks.py --write\n\n"
                f"- {summary}\n- target: under 0.5 s\n- machine: Python {platform.python_version()}, "
                f"{platform.machine()}, shared 2-core container (other jobs running)\n")
        write_section(Path(__file__).resolve().parent.parent / "BENCHMARKS.md", text)


if __name__ == "__main__":
    main()
