"""Build ``elections/data/iowa-gop-2024/``: the 2024 Iowa Republican caucuses, a one-round election.

    python scripts/build_iowa_gop_2024.py

Run on 15 January 2024, the caucuses held one secret-ballot preference vote per
precinct: no realignment, and no delegates announced at the precinct. The definition
holds the handful of precincts whose full results were published in local papers
that night, and one "caucus-night" release of those numbers. Every number below is
written with the page it was read from; nothing is derived. (Numbers were gathered
from stored copies of the pages by a research helper session; see SOURCES.md.)
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "elections" / "data" / "iowa-gop-2024"

SANDB = "The Scarlet & Black (Grinnell College), caucus-night live page, https://thesandb.com/?p=45215"
HARTLEY = ("Hartley Sentinel, 18 Jan 2024, https://www.hartleysentinel.com/story/2024/01/18/news/"
           "trump-coasts-to-victory-locally-statewide/3561.html")

CANDIDATES = [
    ("Trump", "Donald Trump", ["Donald Trump", "Donald", "DJT", "@realDonaldTrump", "Trump 2024"]),
    ("DeSantis", "Ron DeSantis", ["Ron DeSantis", "Ron", "DeSantos", "De Santis", "Desantis"]),
    ("Haley", "Nikki Haley", ["Nikki Haley", "Nikki", "Hailey"]),
    ("Ramaswamy", "Vivek Ramaswamy", ["Vivek Ramaswamy", "Vivek", "Ramaswami"]),
    ("Binkley", "Ryan Binkley", ["Ryan Binkley"]),
    ("Hutchinson", "Asa Hutchinson", ["Asa Hutchinson", "Asa"]),
    ("Christie", "Chris Christie", ["Chris Christie"]),
    ("Other", "Other", ["other", "write-in", "no preference"]),
]

# county, precinct, votes by candidate (None: the source does not say), source.
# "none for the other candidates" on the S&B page is read as 0 for every unnamed option.
PRECINCTS = [
    ("Poweshiek", "Grinnell Ward 1", dict(Trump=13, DeSantis=5, Haley=11, Ramaswamy=1, Binkley=0, Hutchinson=0,
                                         Christie=0, Other=0), SANDB),
    ("Poweshiek", "Grinnell Ward 2", dict(Trump=27, DeSantis=30, Haley=15, Ramaswamy=6, Binkley=0, Hutchinson=0,
                                         Christie=0, Other=0), SANDB),
    ("Poweshiek", "Grinnell Ward 3", dict(Trump=15, DeSantis=9, Haley=2, Ramaswamy=3, Binkley=0, Hutchinson=0,
                                         Christie=0, Other=0), SANDB),
    ("Poweshiek", "Grinnell Ward 4", dict(Trump=18, DeSantis=9, Haley=12, Ramaswamy=1, Binkley=1, Hutchinson=1,
                                         Christie=0, Other=0), SANDB),
    ("Poweshiek", "Grinnell CGWS", dict(Trump=42, DeSantis=21, Haley=11, Ramaswamy=8, Binkley=1, Hutchinson=0,
                                        Christie=0, Other=0), SANDB),
    ("Poweshiek", "Montezuma", dict(Trump=33, DeSantis=8, Haley=5, Ramaswamy=8, Binkley=0, Hutchinson=0,
                                    Christie=0, Other=0), SANDB),
    # The page gives no Hutchinson or Other count for Brooklyn: the unit is defined, but
    # it is left out of the release rather than given numbers nobody published.
    ("Poweshiek", "Brooklyn", dict(Trump=60, DeSantis=17, Haley=16, Ramaswamy=6, Binkley=1, Hutchinson=None,
                                   Christie=1, Other=None), SANDB),
    ("O'Brien", "Hartley-Lincoln-Omega", dict(Trump=66, DeSantis=6, Haley=7, Ramaswamy=5, Binkley=2, Hutchinson=0,
                                              Christie=0, Other=1), HARTLEY),
]


def main() -> None:
    (OUT / "releases").mkdir(parents=True, exist_ok=True)
    election = {
        "slug": "iowa-gop-2024", "name": "2024 Iowa Republican caucuses", "date": "2024-01-15",
        "rule_pack": "iowa-gop-2024", "timezone": "America/Chicago", "home_state": "IA", "party": "Republican",
        # How Iowans write units: "Ames 1-1, Iowa" drops the state but "Iowa City" keeps it;
        # "WDM" is West Des Moines, "WL 1-6" Waterloo 1-6; satellites sit in pseudo-counties "CD1 Satellite" ....
        "naming": {"filler_words": ["iowa", "ia"], "filler_kept_before": {"iowa": "city"},
                   "expansions": {"wdm": "west des moines", "wl": "waterloo", "cf": "cedar falls",
                                  "cr": "cedar rapids", "ic": "iowa city"}, "satellite_district": "CD{n} Satellite",
                   "district_prefix": "CD"},
        "rounds": ["first"], "round_labels": {"first": "preference vote"},
        "candidates": [{"key": k, "name": n, "aliases": a, "misspellings": []} for k, n, a in CANDIDATES],
    }
    (OUT / "election.json").write_text(json.dumps(election, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    with (OUT / "precincts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["county", "precinct", "code", "idp_id", "district", "satellite", "delegates", "sde", "sde_ratio",
                    "delegates_source"])
        for county, name, _, _ in PRECINCTS:
            w.writerow([county, name, "", "", "", 0, 0, 0, 0, "none: no delegates are elected at the precinct"])
    with (OUT / "county_apportionment.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerow(["county", "county_delegates"])
    keys = [k for k, _, _ in CANDIDATES]
    rows = [f"county,precinct,{','.join(f'{k}_first' for k in keys)}"]
    released = [p for p in PRECINCTS if all(v is not None for v in p[2].values())]
    for county, name, votes, _ in released:
        rows.append(",".join([f'"{county}"', f'"{name}"', *(str(votes[k]) for k in keys)]))
    (OUT / "releases" / "caucus-night.csv.gz").write_bytes(gzip.compress(("\n".join(rows) + "\n").encode(), mtime=0))
    index = [{"label": "caucus-night", "published_at": "2024-01-16T04:00:00Z", "time_approximate": True,
              "precincts": len(released),
              "note": "precinct results as the local papers printed them on caucus night (unofficial)"}]
    (OUT / "releases" / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    lines = ["# 2024 Iowa Republican caucuses (sources)", "",
             "Built by `scripts/build_iowa_gop_2024.py`. One round: a secret-ballot preference vote per precinct.",
             "No delegates are announced at the precinct. Caucus-night, unofficial figures as local papers printed",
             "them; the party's certified precinct figures may differ by a few votes. The pages state no licence;",
             "only the bare counts are used.", ""]
    for county, name, votes, source in PRECINCTS:
        missing = [k for k, v in votes.items() if v is None]
        lines.append(f"- {county} / {name}: {source}" + (f" (not stated: {', '.join(missing)}; left out of the "
                                                          "release)" if missing else ""))
    lines += ["", "Statewide caucus-night totals for reference (not bundled as a release): Trump 56,260; "
              "DeSantis 23,420; Haley 21,085; Ramaswamy 8,449; Binkley 774; Hutchinson 191; Other 84; Christie 35 "
              "(110,298 in all), as The Hill and Iowa papers citing AP reported them."]
    (OUT / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
