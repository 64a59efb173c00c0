"""Rebuild the bundled Iowa 2020 election definition from ``../shared/data``.

Run from the repository root::

    python scripts/build_election_data.py [--shared ../shared]

It writes ``elections/data/iowa-2020/``: ``precincts.csv`` (1,765 reporting units),
``candidates.json`` (14 preference groups with aliases), ``releases/*.csv.gz`` (the
official releases in one compact layout) and ``releases/index.json``. The output is
deterministic, so a rebuild that changes nothing produces no diff. ``SOURCES.md`` in
that folder names the origin of every file; this script is the method.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import io
import json
import re
import sys
from pathlib import Path

CANDIDATES = [
    "Bennet", "Biden", "Bloomberg", "Buttigieg", "Delaney", "Gabbard", "Klobuchar",
    "Patrick", "Sanders", "Steyer", "Warren", "Yang", "Other", "Uncommitted",
]

# Hand-written aliases: full names, first names, nicknames, campaign handles and
# hashtags. Public facts (the campaigns' X handles in 2020), written here.
CANDIDATE_INFO: dict[str, dict[str, object]] = {
    "Bennet": {"name": "Michael Bennet", "aliases": ["Michael Bennet", "Bennett", "@MichaelBennet", "#Bennet2020"]},
    "Biden": {"name": "Joe Biden", "aliases": ["Joe Biden", "Joe", "Uncle Joe", "Joseph Biden", "@JoeBiden", "#Biden2020", "#TeamJoe"]},
    "Bloomberg": {"name": "Michael Bloomberg", "aliases": ["Mike Bloomberg", "Michael Bloomberg", "Bloomy", "@MikeBloomberg", "#Mike2020"]},
    "Buttigieg": {"name": "Pete Buttigieg", "aliases": ["Pete Buttigieg", "Pete", "Mayor Pete", "Buttigieg", "Buttiegieg", "Budigiege", "Boot-edge-edge", "Boot Edge Edge", "@PeteButtigieg", "#TeamPete", "#Pete2020"]},
    "Delaney": {"name": "John Delaney", "aliases": ["John Delaney", "John", "@JohnDelaney", "#Delaney2020"]},
    "Gabbard": {"name": "Tulsi Gabbard", "aliases": ["Tulsi Gabbard", "Tulsi", "@TulsiGabbard", "#Tulsi2020"]},
    "Klobuchar": {"name": "Amy Klobuchar", "aliases": ["Amy Klobuchar", "Amy", "Klob", "Klobachar", "Klobuchar", "Klobucher", "@amyklobuchar", "@AmyKlobuchar", "#Amy2020", "#AmyForAmerica"]},
    "Patrick": {"name": "Deval Patrick", "aliases": ["Deval Patrick", "Deval", "@DevalPatrick"]},
    "Sanders": {"name": "Bernie Sanders", "aliases": ["Bernie Sanders", "Bernie", "Bernard Sanders", "Senator Sanders", "@BernieSanders", "@SenSanders", "#Bernie2020", "#FeelTheBern", "#NotMeUs"]},
    "Steyer": {"name": "Tom Steyer", "aliases": ["Tom Steyer", "Tom", "@TomSteyer", "#Steyer2020"]},
    "Warren": {"name": "Elizabeth Warren", "aliases": ["Elizabeth Warren", "Liz", "Liz Warren", "Elizabeth", "Senator Warren", "@ewarren", "@SenWarren", "#Warren2020", "#TeamWarren"]},
    "Yang": {"name": "Andrew Yang", "aliases": ["Andrew Yang", "Andrew", "@AndrewYang", "#YangGang", "#Yang2020"]},
    "Other": {"name": "Other", "aliases": ["other", "others", "write-in", "write in"]},
    "Uncommitted": {"name": "Uncommitted", "aliases": ["uncommitted", "Uncommited", "undecided", "uncomitted"]},
}

# Public release times (UTC) from the news reports named in shared/data/iowa2020/SOURCES.md
# (Daily Iowan, KSCJ, FiveThirtyEight, Bleeding Heartland); where only a part of the day
# is known, the IDP feed's batch stamp plus about an hour is used and marked approximate.
RELEASES = [
    ("62pct", "2020-02-04T22:00:00Z", False, "Daily Iowan/KSCJ: 62% at about 4 pm CST, Tue 4 Feb"),
    ("71pct", "2020-02-05T05:30:00Z", False, "Daily Iowan: 70.82% at about 11:30 pm CST, Tue 4 Feb"),
    ("75pct", "2020-02-05T20:00:00Z", True, "Wed 5 Feb midday; page saved 15:26 EST"),
    ("86pct", "2020-02-05T23:00:00Z", True, "FiveThirtyEight: 86% on Wed 5 Feb afternoon"),
    ("92pct", "2020-02-06T02:00:00Z", True, "feed batch 2020-02-06T01:00Z"),
    ("97pct", "2020-02-06T06:00:00Z", True, "feed batch 2020-02-06T04:58Z"),
    ("100pct", "2020-02-07T02:00:00Z", True, "Thu 6 Feb evening; feed batch 2020-02-07T01:28Z"),
    ("certified", "2020-02-27T18:00:00Z", True, "certified after recanvass and recount, late Feb"),
]


def official_name(raw: str) -> str:
    """Undo (possibly double) HTML escaping, as the IDP site double-escaped '&'."""
    prev = None
    while prev != raw:
        prev, raw = raw, html.unescape(raw)
    return raw.strip()


def match_key(county: str, precinct: str) -> tuple[str, str]:
    """A spelling-insensitive key: case, spacing and punctuation differ between scrapes."""
    norm = re.sub(r"[^A-Z0-9]", "", official_name(precinct).upper())
    return (county.strip().upper(), norm)


def read_rows(path: Path, skip: int = 0) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[skip:]


def num(text: str) -> float:
    return float(text) if text.strip() else 0.0


class Units:
    """The canonical 1,765 reporting units, keyed for matching other scrapes to them."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.by_key = {match_key(r["county"], r["precinct"]): r for r in rows}
        if len(self.by_key) != len(rows):
            raise SystemExit("two units share a match key; refine match_key")

    def find(self, county: str, precinct: str, origin: str) -> dict[str, str]:
        try:
            return self.by_key[match_key(county, precinct)]
        except KeyError:
            raise SystemExit(f"{origin}: unknown unit {county!r}/{precinct!r}") from None


def release_from_wide(units: Units, rows: list[list[str]], layout: str, origin: str) -> dict[tuple[str, str], list[float]]:
    """Normalise one scrape into {(county, precinct): 42 values: 14 first, 14 final, 14 SDE}."""
    out: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        if len(row) < 44 or row[1] == "Total" or not row[0]:
            continue
        unit = units.find(row[0], row[1], origin)
        vals = [num(v) for v in row[2:44]]
        if layout == "per-candidate":  # Bennet first, final, sde, Biden first, ...
            vals = vals[0::3] + vals[1::3] + vals[2::3]
        key = (unit["county"], unit["precinct"])
        if key in out:
            raise SystemExit(f"{origin}: duplicate unit {key}")
        out[key] = vals
    return out


def release_from_derived(units: Units, path: Path) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            unit = units.find(r.get("county") or r["County"], r.get("precinct") or r["Precinct"], path.name)
            vals = [num(r[f"{c}_{m}"]) for m in ("first", "final", "sde") for c in CANDIDATES]
            out[(unit["county"], unit["precinct"])] = vals
    return out


def write_release(path: Path, rel: dict[tuple[str, str], list[float]], order: list[tuple[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["county", "precinct"] + [f"{c}_{m}" for m in ("first", "final", "sde") for c in CANDIDATES])
    for key in order:
        if key not in rel:
            continue
        vals = rel[key]
        w.writerow(list(key) + [str(int(v)) for v in vals[:28]] + [f"{v:.4f}".rstrip("0").rstrip(".") or "0" for v in vals[28:]])
    # mtime=0 keeps the gzip bytes identical across rebuilds
    with gzip.GzipFile(filename="", mode="wb", fileobj=path.open("wb"), mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default=Path(__file__).resolve().parent.parent / "elections" / "data" / "iowa-2020", type=Path)
    args = ap.parse_args(argv)
    ia = args.shared / "data" / "iowa2020"
    out: Path = args.out
    (out / "releases").mkdir(parents=True, exist_ok=True)

    with (ia / "derived" / "iowa2020_precincts_100pct_derived.csv").open(newline="", encoding="utf-8") as fh:
        base_rows = list(csv.DictReader(fh))
    for r in base_rows:
        r["raw_precinct"] = r["precinct"]
        r["precinct"] = official_name(r["precinct"])
    units = Units(base_rows)
    order = [(r["county"], r["precinct"]) for r in base_rows]

    # IDP ids, district and short codes come from the feed's batch table.
    batches: dict[tuple[str, str], dict[str, str]] = {}
    with (ia / "derived" / "iowa2020_release_batches_derived.csv").open(newline="", encoding="utf-8") as fh:
        for b in csv.DictReader(fh):
            u = units.find(b["county"], b["precinct_name"], "batches")
            batches[(u["county"], u["precinct"])] = b

    # Precincts
    with (out / "precincts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["county", "precinct", "code", "idp_id", "district", "satellite", "delegates", "sde", "sde_ratio", "delegates_source"])
        for r in base_rows:
            b = batches[(r["county"], r["precinct"])]
            code = r["precinct_code"] or b["precinct_code"]
            w.writerow([
                r["county"], r["precinct"], code, b["idp_precinct_id"], b["congressional_district"],
                r["is_satellite"], r["county_delegates"], f"{num(r['precinct_sde']):.6f}",
                f"{num(r['sde_per_county_delegate']):.6f}",
                "apportionment" if r["county_delegates_source"].startswith("iowa-tools") else "satellite_attendance_rule",
            ])

    # Satellite site metadata (city and state) for site-name matching.
    sites = read_rows(ia / "iowa-tools" / "ref_data" / "ipd-satellite-caucus-locations.csv", 1)
    with (out / "satellite_sites.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["state", "city", "location", "address", "site_type", "start_cst"])
        for s in sites:
            w.writerow([x.strip() for x in s[:6]])

    # The apportionment table, summed per county: the reference for county delegates.
    county_delegates: dict[str, int] = {}
    with (ia / "iowa-tools" / "ref_data" / "idp-precinct-delegates.csv").open(newline="", encoding="utf-8") as fh:
        for a in csv.DictReader(fh):
            county_delegates[a["County"].strip()] = county_delegates.get(a["County"].strip(), 0) + int(a["Delegates to County Convention"])
    with (out / "county_apportionment.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["county", "county_delegates"])
        for county in sorted(county_delegates):
            w.writerow([county, county_delegates[county]])

    # Candidates with aliases, including the 169 real misspellings from the Warren app.
    aliases: dict[str, list[str]] = {c: list(CANDIDATE_INFO[c]["aliases"]) for c in CANDIDATES}  # type: ignore[arg-type]
    misspellings: dict[str, list[str]] = {c: [] for c in CANDIDATES}
    with (args.shared / "data" / "posts-real" / "derived" / "warren_app_candidate_aliases_derived.csv").open(newline="", encoding="utf-8") as fh:
        for a in csv.DictReader(fh):
            misspellings[a["canonical_surname"]].append(a["alias_lowercase"])
    cands = [
        {"key": c, "name": CANDIDATE_INFO[c]["name"], "aliases": aliases[c], "misspellings": misspellings[c]}
        for c in CANDIDATES
    ]
    election = {
        "slug": "iowa-2020", "name": "2020 Iowa Democratic caucuses", "date": "2020-02-03",
        "rule_pack": "iowa-2020", "timezone": "America/Chicago", "home_state": "IA", "party": "Democratic",
        # How Iowans write units: "Ames 1-1, Iowa" drops the state but "Iowa City" keeps it;
        # "WDM" is West Des Moines, "WL 1-6" Waterloo 1-6; satellites sit in pseudo-counties "CD1 Satellite" ....
        "naming": {"filler_words": ["iowa", "ia"], "filler_kept_before": {"iowa": "city"},
                   "expansions": {"wdm": "west des moines", "wl": "waterloo", "cf": "cedar falls",
                                  "cr": "cedar rapids", "ic": "iowa city"}, "satellite_district": "CD{n} Satellite",
                   "district_prefix": "CD"},
        "rounds": ["first", "final", "delegates", "sde"],
        "round_labels": {"first": "first alignment", "final": "final alignment", "delegates": "county delegates",
                         "sde": "state delegate equivalents"},
        # SDE = county delegates x the county's SDE ratio (IDP), so each derives from the other.
        "sde_rule": "county_ratio",
        "candidates": cands,
    }
    (out / "election.json").write_text(json.dumps(election, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    # Releases
    releases: dict[str, dict[tuple[str, str], list[float]]] = {}
    releases["100pct"] = release_from_derived(units, ia / "derived" / "iowa2020_precincts_100pct_derived.csv")
    releases["certified"] = release_from_derived(units, ia / "derived" / "iowa2020_precincts_certified_derived.csv")
    releases["75pct"] = release_from_derived(units, ia / "derived" / "idp-2020-02-05-75pct_from_cdsupina_html_derived.csv")
    releases["86pct"] = release_from_wide(units, read_rows(ia / "GOliveira10-Iowa-Caucus-Inconsistencies" / "iowadems_resumts_0205_8PM.csv", 3), "per-candidate", "86pct")
    for label, folder in (("92pct", "idp-2020-02-06-92"), ("97pct", "idp-2020-02-06-97")):
        releases[label] = release_from_wide(units, read_rows(ia / "iowa-tools" / "data" / folder / "full.csv", 3), "grouped", label)
    # 62% is the 1,099-precinct batch; 71% adds the 151 earlier-stamped precincts
    # (1,250). Values are the 100% values: the feed kept no earlier state.
    in62 = {k for k, b in batches.items() if b["cumulative_precincts_at_batch"] == "1250"}
    in71 = {k for k, b in batches.items() if int(b["cumulative_precincts_at_batch"]) <= 1250}
    releases["62pct"] = {k: v for k, v in releases["100pct"].items() if k in in62}
    releases["71pct"] = {k: v for k, v in releases["100pct"].items() if k in in71}

    index = []
    for label, published, approx, note in RELEASES:
        rel = releases[label]
        write_release(out / "releases" / f"{label}.csv.gz", rel, order)
        index.append({"label": label, "published_at": published, "time_approximate": approx, "precincts": len(rel), "note": note})
        print(f"{label}: {len(rel)} units", file=sys.stderr)
    (out / "releases" / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    print(f"{len(base_rows)} units written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
