"""Copy, in compact form, the expected data the reconciliation tests need from ../shared.

Run from the repository root: ``python scripts/build_reconcile_fixtures.py [SHARED_DIR]``
(default ``../shared``). Writes into ``tests/data/reconcile/`` (see SOURCES.md there):

* ``iowa2020_math_check.csv.gz``  release, county, precinct, status of the independent
  recomputation (``derived/iowa2020_math_check_{100pct,certified}_derived.csv``).
* ``iowa_tools_more_final_votes.csv``  the 81 units of ``iowa-tools/data/more_final_votes/more_votes.csv``.
* ``iowa_tools_duplicates.csv``  list, county, precinct from ``iowa-tools/data/duplicated_precincts/*.csv``.
* ``nevada2020_final.csv.gz``  the final Nevada file (24 Feb), non-zero rows only.

Names are HTML-unescaped (some sources escape ``&`` twice) and whitespace is kept as published.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "reconcile"


def unescape(text: str) -> str:
    return html.unescape(html.unescape(text))


def three_row_header(path: Path) -> list[list[str]]:
    rows = list(csv.reader(path.open(encoding="utf-8")))
    return [r for r in rows[3:] if r and r[1] != "Total"]


def write_gz(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    # mtime=0 keeps the file byte-identical between runs.
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))


def main(shared: Path) -> None:
    ia = shared / "data" / "iowa2020"
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[list[object]] = []
    for label in ("100pct", "certified"):
        with (ia / "derived" / f"iowa2020_math_check_{label}_derived.csv").open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append([label, unescape(r["county"]), unescape(r["precinct"]), r["status"]])
    write_gz(OUT / "iowa2020_math_check.csv.gz", ["release", "county", "precinct", "status"], rows)

    tools = ia / "iowa-tools" / "data"
    with (OUT / "iowa_tools_more_final_votes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["county", "precinct"])
        for r in three_row_header(tools / "more_final_votes" / "more_votes.csv"):
            w.writerow([unescape(r[0]), unescape(r[1])])
    with (OUT / "iowa_tools_duplicates.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["list", "county", "precinct"])
        for path in sorted((tools / "duplicated_precincts").glob("*.csv")):
            for r in three_row_header(path):
                w.writerow([path.stem, unescape(r[0]), unescape(r[1])])

    nv = shared / "data" / "nevada2020" / "GOliveira10-Nevada-Caucus-Monitoring" / "cleaned_timestamped_2020-02-24_192242.csv"
    keep = ["precinct_full", "total_attendance", "precinct_delegates", "is_complete", "candidate",
            "align1", "alignfinal", "reported_del_given"]
    nv_rows = []
    with nv.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if any(r[k] not in ("0", "NA", "") for k in ("align1", "alignfinal", "reported_del_given")):
                nv_rows.append([r[k] for k in keep])
    write_gz(OUT / "nevada2020_final.csv.gz", keep, nv_rows)
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared")
