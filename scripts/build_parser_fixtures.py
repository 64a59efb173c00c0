"""Build the parser's labelled corpus and negative set under tests/data/parsers/.

    python scripts/build_parser_fixtures.py [--shared ../shared]

* real posts: the 42 curated posts (text copied verbatim) + the seed post, with the
  hand-written truth in ``tests/data/parsers/real_labels.json``;
* synthetic posts: text generated from the official 100 % release (``load_release``)
  in the shapes of ``shared/docs/post-formats.md``; the truth is the release numbers
  the text was generated from, written alongside — never the parser's output;
* ``nevada_tweets.jsonl.gz``: the 8,847 sam-ewing Nevada tweets (negative set).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
from pathlib import Path

from shadowtally.elections import load_election, load_release

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "parsers"

NAME_FORMS = {
    "Sanders": ["Sanders", "Bernie", "Bernie Sanders", "@BernieSanders", "SANDERS", "sanders", "#Bernie2020"],
    "Warren": ["Warren", "Elizabeth Warren", "@ewarren", "WARREN", "warren", "Liz"],
    "Buttigieg": ["Buttigieg", "Pete", "Mayor Pete", "Pete Buttigieg", "@PeteButtigieg", "BUTTIGIEG", "Buttigeig",
                  "buttagieg", "budigieg", "boot edge edge", "Buttegieg", "Butigieg"],
    "Biden": ["Biden", "Joe Biden", "@JoeBiden", "BIDEN", "biden", "Joe"],
    "Klobuchar": ["Klobuchar", "Amy Klobuchar", "@AmyKlobuchar", "Amy", "KLOBUCHAR", "Klobuchar"],
    "Yang": ["Yang", "Andrew Yang", "@AndrewYang", "YANG"],
    "Steyer": ["Steyer", "Tom Steyer", "@TomSteyer"],
    "Gabbard": ["Gabbard", "Tulsi", "Tulsi Gabbard"],
    "Bloomberg": ["Bloomberg", "Mike Bloomberg"],
    "Bennet": ["Bennet", "Michael Bennet"],
    "Delaney": ["Delaney", "John Delaney"],
    "Patrick": ["Deval Patrick"],
    "Other": ["Other"],
    "Uncommitted": ["Uncommitted", "uncommitted", "Undecided"],
}
UNSEEN = {"Klobuchar": "Klobuchr", "Sanders": "Sandres", "Warren": "Warrren", "Buttigieg": "Buttigiegg", "Biden": "Bidenn"}


def ref_forms(county: str, name: str, code: str, satellite: bool) -> list[str]:
    """Ways a post names this unit (each resolves to exactly this unit by hand)."""
    import re
    forms: list[str] = []
    if satellite:
        site = name.split(" - ", 1)[1]
        return [f"the {site} satellite caucus", f"{site} satellite"]
    m = re.match(r"DES MOINES-(\d+)$", name)
    if m:
        n = int(m.group(1))
        forms += [name, f"Des Moines precinct {n}", f"DM {n}", f"Des Moines-{n:02d}", f"DES MOINES {n}"]
    m = re.match(r"IOWA CITY (\d+)$", name)
    if m:
        n = int(m.group(1))
        forms += [f"Iowa City {n}", f"IC precinct {n}", f"IOWA CITY {n:02d}"]
    m = re.match(r"Ames (\d-\d)$", name)
    if m:
        forms += [name, f"Story County Precinct {m.group(1)}", f"Ames precinct {m.group(1)}"]
    m = re.match(r"(Independence|Madrid) (\d)(st|nd|rd|th) Ward$", name)
    if m:
        forms += [name, f"{m.group(1)} {m.group(2)}"]
    m = re.match(r"(CLIVE|WDM|ANKENY|URBANDALE|JOHNSTON)-(\d+)$", name)
    if m:
        forms += [name, f"{m.group(1).title() if m.group(1) != 'WDM' else 'WDM'}-{int(m.group(2))}"]
    m = re.match(r"Keokuk (\d)$", name)
    if m and county == "Lee":
        forms += [name, f"Keokuk precinct {m.group(1)}"]
    if not forms:
        forms = [f"{county} County, {name} precinct", f"{county} County {name}"]
    return forms


def synthetic(rng: random.Random) -> tuple[list[dict], list[dict]]:
    e = load_election("iowa-2020")
    rows = [r for r in load_release("iowa-2020", "100pct") if sum(r.first.values()) >= 20 and sum(r.final.values())]
    units = {(p.county, p.name): p for p in e.precincts}
    featured = [r for r in rows if "Satellite" not in r.county and ref_forms(r.county, r.precinct, "", False)[0].split()[0] not in (r.county,)]
    plain = [r for r in rows if r not in featured and "Satellite" not in r.county]
    sats = [r for r in rows if "Satellite" in r.county]
    posts: list[dict] = []
    accounts: list[dict] = []
    n = 0

    def nm(key: str, unseen: bool = False) -> str:
        if unseen and key in UNSEEN:
            return UNSEEN[key]
        return rng.choice(NAME_FORMS[key])

    def top(counts: dict[str, int], k: int = 5) -> list[tuple[str, int]]:
        return sorted(((c, v) for c, v in counts.items() if v > 0), key=lambda x: -x[1])[:k]

    def delegates(r) -> dict[str, int]:
        # Delegates implied by the release's SDE; only where they add up to the precinct's D
        # (a few released rows don't, and those are no truth for a delegate line).
        p = units[(r.county, r.precinct)]
        d = {c: round(v / p.sde_ratio) for c, v in r.sde.items() if v > 0 and p.sde_ratio}
        return d if sum(d.values()) == p.delegates and all(d.values()) else {}

    def add(pattern, text, truth, kind="precinct_result", author=None, reply=None, pid=None):
        nonlocal n
        n += 1
        rec = {"id": pid or f"S{n:04d}", "text": text, "author": author or f"@user{n}",
               "created_at": f"2020-02-03T{20 + n % 4:02d}:{n % 60:02d}:00-06:00", "pattern": pattern,
               "expect": {"kind": kind, "claims": truth}}
        if reply:
            rec["in_reply_to"] = reply
        posts.append(rec)
        return rec["id"]

    def claim(r, rnd, counts, accept=True):
        return {"county": r.county, "precinct": r.precinct, "round": rnd, "counts": dict(counts), "accept": accept}

    pool = featured * 3 + plain
    rng.shuffle(pool)
    it = iter(pool * 4)
    nxt = lambda: next(it)  # noqa: E731
    for i in range(26):  # 1 labelled two-block
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        f = top(r.first, 4); d = top(delegates(r))
        text = f"{ref}\nFirst alignment\n" + "\n".join(f"{nm(c)} – {v}" for c, v in f) + "\n\nDelegates\n" + "\n".join(f"{nm(c)}: {v}" for c, v in d)
        if not d:
            continue
        add("two-block", text, [claim(r, "first", f), claim(r, "delegates", d)])
    for i in range(20):  # 2 three-round with pipes
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        f = top(r.first, 4); fi = top(r.final); d = top(delegates(r))
        if not d:
            continue
        text = (f"{ref} results. 1st alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in f) + " | Final: "
                + ", ".join(f"{nm(c)} {v}" for c, v in fi) + " | Delegates: " + ", ".join(f"{nm(c)} {v}" for c, v in d))
        add("three-round", text, [claim(r, "first", f), claim(r, "final", fi), claim(r, "delegates", d)])
    for i in range(16):  # n Name
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final)
        text = f"Final alignment at {ref}: " + ", ".join(f"{v} {nm(c)}" for c, v in fi)
        add("number-name", text, [claim(r, "final", fi)])
    for i in range(12):  # dotted leaders
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final)
        text = f"{ref} — realignment\n" + "\n".join(f"{nm(c)}{'.' * rng.randint(3, 8)}{v}" for c, v in fi)
        add("dotted-leaders", text, [claim(r, "final", fi)])
    for i in range(14):  # first/final columns
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        both = [(c, r.first[c], r.final[c]) for c, _ in top(r.final)]
        text = f"{ref} first/final\n" + "\n".join(f"{nm(c)} {a}/{b}" for c, a, b in both)
        add("columns", text, [claim(r, "first", [(c, a) for c, a, _ in both]), claim(r, "final", [(c, b) for c, _, b in both])])
    for i in range(14):  # delegate sequence in a stated order
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        d = top(delegates(r))
        if len(d) < 2:
            continue
        names = ", ".join(nm(c) for c, _ in d)
        if i % 2:
            text = f"{ref}: delegates {'-'.join(str(v) for _, v in d)} in that order: {names}"
        else:
            text = f"{ref} delegates — {'/'.join(nm(c) for c, _ in d)} {'/'.join(str(v) for _, v in d)}"
        add("delegate-sequence", text, [claim(r, "delegates", d)])
    for i in range(10):  # "n delegates each"
        r = nxt(); d = top(delegates(r))
        vals = {v for _, v in d}
        if len(d) < 2 or len(vals) != 1:
            d2 = [(c, v) for c, v in d if v == d[0][1]]
            if len(d2) < 2:
                continue
            d = d2
        ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        text = f"{ref} final: " + ", ".join(nm(c) for c, _ in d[:-1]) + f" and {nm(d[-1][0])} got {d[0][1]} delegates each"
        add("each", text, [claim(r, "delegates", d)])
    for i in range(16):  # noise: attendance, threshold, time, thread numbering
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        T = sum(r.first.values()); fi = top(r.final)
        thr = -(-T * 15 // 100)
        text = (f"{i + 1}) 8:{10 + i:02d} pm update from {ref}: {T} people signed in, viability is {thr}. "
                f"After realignment: " + ", ".join(f"{nm(c)}: {v}" for c, v in fi) + f" {i + 1}/16")
        add("noise-numbers", text, [claim(r, "final", fi)])
    for i in range(12):  # satellites
        r = rng.choice(sats); ref = rng.choice(ref_forms(r.county, r.precinct, "", True))
        fi = top(r.final)
        text = f"Results from {ref} (final alignment): " + ", ".join(f"{nm(c)} {v}" for c, v in fi)
        add("satellite", text, [claim(r, "final", fi)])
    for i in range(12):  # unseen misspellings
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final)
        text = f"{ref} final alignment: " + ", ".join(f"{nm(c, unseen=True)} {v}" for c, v in fi)
        add("unseen-misspelling", text, [claim(r, "final", fi)])
    for i in range(12):  # threads: root names the precinct, reply carries the numbers
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final); author = f"@thread{i}"
        root = add("thread-root", f"Caucusing tonight at {ref}. Doors open, lots of energy!", [], kind="other", author=author)
        add("thread-reply", "Final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in fi), [claim(r, "final", fi)],
            author=author, reply=root)
    for i in range(12):  # corrections in a thread
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final, 3); author = f"@fixer{i}"
        c0, v0 = fi[0]
        wrong = v0 + 5
        first_post = [(c, wrong if c == c0 else v) for c, v in fi]
        root = add("correction-original", f"{ref} final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in first_post),
                   [claim(r, "final", first_post)], author=author)
        add("correction", f"CORRECTION: {nm(c0)} was {v0} not {wrong}", [claim(r, "final", fi)], author=author,
            reply=root if i % 2 == 0 else None)
    for i in range(14):  # registered accounts: no precinct in the text
        r = nxt(); handle = f"secretary_{i}"
        accounts.append({"handle": handle, "county": r.county, "precinct": r.precinct, "role": "secretary"})
        fi = top(r.final)
        add("registered-account", "Our caucus is done! Final alignment: " + ", ".join(f"{nm(c)} – {v}" for c, v in fi),
            [claim(r, "final", fi)], author=f"@{handle}")
    for i in range(10):  # round not stated
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final)
        add("round-unknown", f"{ref}: " + ", ".join(f"{nm(c)} {v}" for c, v in fi), [claim(r, "unknown", fi, accept=False)])
    for i in range(8):  # absurd numbers
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False))
        fi = top(r.final, 3); fi = [(fi[0][0], fi[0][1] * 100 + 7)] + fi[1:]
        add("absurd", f"{ref} final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in fi), [claim(r, "final", fi, accept=False)])
        d = top(delegates(r), 2) or top(r.final, 2)
        p = units[(r.county, r.precinct)]
        dd = [(d[0][0], p.delegates + 3)] + d[1:]
        add("absurd-delegates", f"{ref} delegates: " + ", ".join(f"{nm(c)} {v}" for c, v in dd), [claim(r, "delegates", dd, accept=False)])
    for i, num in enumerate([99, 97, 120, 150, 200, 95]):  # unknown precinct
        r = nxt(); fi = top(r.final)
        add("unknown-precinct", f"Des Moines precinct {num} final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in fi),
            [{"county": None, "precinct": None, "round": "final", "counts": dict(fi), "accept": False}])
    keokuk = [r for r in rows if r.county in ("Lee", "Keokuk") and (r.precinct.startswith("Keokuk") or r.county == "Keokuk")]
    for r in keokuk[:10]:  # collisions: Keokuk city (Lee County) vs Keokuk County
        fi = top(r.final)
        ref = f"Keokuk {r.precinct.split()[-1]}" if r.county == "Lee" else f"Keokuk County, {r.precinct} precinct"
        add("keokuk-collision", f"{ref} final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in fi), [claim(r, "final", fi)])
    for i in range(16):  # aggregates
        r = nxt(); county = r.county if "Satellite" not in r.county else "Polk"
        shares = [("Buttigieg", 26.2), ("Sanders", 26.1), ("Warren", 18.0), ("Biden", 15.8)]
        forms = [
            f"With {40 + i}% of precincts reporting: " + " ".join(f"{nm(c)} {v}%" for c, v in shares),
            f"{county} County totals so far — final alignment: " + ", ".join(f"{nm(c)} {v * 97:,}" for c, v in [("Sanders", 31), ("Buttigieg", 29)]),
            f"Statewide SDE update: " + ", ".join(f"{nm(c)} {v * 21.3:.2f}" for c, v in shares),
            f"Our internal numbers from {30 + i}% of precincts: " + ", ".join(f"{nm(c)} {int(v * 10)} SDEs" for c, v in shares),
        ]
        add("aggregate", forms[i % 4], [], kind="aggregate")
    for i in range(10):  # predictions, polls, rankings, GOP, photos
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False)); fi = top(r.final, 3)
        forms = [
            f"My prediction for {ref}: " + ", ".join(f"{nm(c)} {v}" for c, v in fi),
            f"New poll: " + " / ".join(f"{nm(c)}- {v}" for c, v in fi),
            f"In {ref}, {nm(fi[0][0])} came in 1st, {nm(fi[1][0])} 2nd. No one else was viable.",
            f"{ref} GOP caucus: Trump 212, Walsh 3, Weld 2",
            f"Our {ref} worksheet, signed and done #IACaucus pic.twitter.com/AbC{i}dEf",
        ]
        add("other", forms[i % 5], [], kind="other")
    for i in range(6):  # edits: same id re-fetched with a changed text; the later version wins
        r = nxt(); ref = rng.choice(ref_forms(r.county, r.precinct, "", False)); fi = top(r.final)
        pid = f"E{i:03d}"
        wrong = [(c, v + 10) for c, v in fi]
        add("edit-before", f"{ref} final alignment: " + ", ".join(f"{nm(c)} {v}" for c, v in wrong), [claim(r, "final", wrong)], pid=pid)
        add("edit-after", f"{ref} final alignment (edited): " + ", ".join(f"{nm(c)} {v}" for c, v in fi), [claim(r, "final", fi)], pid=pid)
    return posts, accounts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    shared = Path(args.shared)
    labels = json.loads((OUT / "real_labels.json").read_text(encoding="utf-8"))
    real: list[dict] = []
    with (shared / "data/posts-real/curated_real_posts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lab = labels[row["id"]]
            rec = {"id": row["id"], "text": row["text_as_found"], "author": row["author"].split()[0],
                   "created_at": f"{row['date']}T21:00:00-06:00", "pattern": "real", "note": row["notes"],
                   "expect": {"kind": lab["kind"], "claims": lab["claims"]}}
            if row["id"] == "IA02":
                rec["in_reply_to"] = "IA01"
            real.append(rec)
    seed = labels["SEED01"]
    real.append({"id": "SEED01", "text": seed["text"], "author": seed["author"], "created_at": "2020-02-03T21:30:00-06:00",
                 "pattern": "real-seed", "note": seed["note"], "expect": {"kind": seed["kind"], "claims": seed["claims"]}})
    posts, accounts = synthetic(random.Random(20200203))
    accounts.insert(0, {"handle": "skonradb", "county": "Hardin", "precinct": "Hardin/Ellis/Jackson", "role": "reporter"})
    accounts.append({"handle": "ghost", "county": "Polk", "precinct": "DES MOINES-999", "role": "secretary"})
    with (OUT / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for rec in real + posts:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with (OUT / "accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["handle", "county", "precinct", "role"])
        w.writeheader()
        w.writerows(accounts)
    tweets = []
    for name in ("positive_tweets.csv", "negative_tweets.csv"):
        with (shared / "data/posts-real/sam-ewing-nevada-caucus-sentiment" / name).open(encoding="utf-8", errors="replace") as fh:
            for row in csv.DictReader(fh):
                tweets.append({"file": name, "username": row.get("username", ""), "text": row.get("tweet_text", "")})
    with gzip.open(OUT / "nevada_tweets.jsonl.gz", "wt", encoding="utf-8") as fh:
        for t in tweets:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    print(f"corpus: {len(real)} real + {len(posts)} synthetic; accounts: {len(accounts)}; nevada tweets: {len(tweets)}")


if __name__ == "__main__":
    main()
