"""Benchmark: shadow tally + reconciliation with every official release of the Iowa scenario.

    .venv/bin/python benchmarks/bench_reconcile.py [--write]

Generates the default scenario (seed 2020, 60% of precincts), builds the shadow tally
from its perfect-parser claims (with delegate derivation by the rule pack) and
reconciles it with all 8 Iowa releases; time and tracemalloc peak. How this grows to
national size (175,000 units, 2 million posts) is ``benchmarks/bench_scaling.py``.
``--write`` puts the figures at the top of the ``## Tally and reconciliation`` section of
BENCHMARKS.md, keeping its ``###`` parts (the scaling figures).
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the replay package may be newer than the editable install's map

from shadowtally.elections import load_election  # noqa: E402
from shadowtally.reconcile.compare import reconcile  # noqa: E402
from shadowtally.reconcile.shadow import build_shadow, rulepack_allocator  # noqa: E402
from shadowtally.replay import ScenarioConfig, generate  # noqa: E402
from shadowtally.replay.oracle import oracle_claims  # noqa: E402

SECTION = "## Tally and reconciliation"


def _measure(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, elapsed, peak / 2**20


def full_run() -> list[str]:
    e = load_election("iowa-2020")
    (scenario, t_gen, m_gen) = _measure(lambda: generate(ScenarioConfig(seed=2020)))
    claims = oracle_claims(scenario)
    releases = {label: scenario.release_rows(label) for label, _ in scenario.schedule}

    def run():  # type: ignore[no-untyped-def]
        shadow = build_shadow(claims, e, allocate=rulepack_allocator(e))
        return shadow, [reconcile(shadow, releases[label], e.release_info(label), e) for label in releases]

    (shadow, recs), t_all, m_all = _measure(run)
    lines = [
        f"- Scenario generation (seed 2020, share 0.6): {len(scenario.posts):,} posts, "
        f"{len(scenario.posted):,} precincts posted: {t_gen:.2f} s, peak {m_gen:.1f} MiB",
        f"- Shadow from {len(claims):,} claims + reconciliation with all {len(recs)} releases "
        f"({sum(len(r) for r in releases.values()):,} release rows): {t_all:.2f} s, peak {m_all:.1f} MiB",
        f"- Shadow coverage {shadow.precincts_posted:,} precincts, {100 * shadow.sde_share:.1f}% of state SDE; "
        "statuses at 100%: " + ", ".join(f"{k} {v}" for k, v in recs[-2].counts.items()),
    ]
    return lines


def write(lines: list[str], command: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    body = "\n".join([SECTION, "", f"Command: `{command}`", "",
                      f"Machine: Python {platform.python_version()} on {platform.machine()}, "
                      "all times measured with tracemalloc tracing on (slower than an untraced run).", "", *lines, ""])
    # Up to the next heading of any level: the section's "###" parts belong to other benchmarks.
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^##+ |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    lines = full_run()
    print("\n".join(lines), flush=True)
    if args.write:
        write(lines, "python benchmarks/bench_reconcile.py --write")


if __name__ == "__main__":
    main()
