"""Official releases in three layouts, strict parsing, dedupe by hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_helpers import add_sources, now
from sqlmodel import func, select

import shadowtally.elections as defs
from shadowtally.collectors.base import Rejected
from shadowtally.collectors.official import parse_release
from shadowtally.collectors.scheduler import run_source
from shadowtally.store.db import session_scope
from shadowtally.store.models import OfficialRelease, OfficialResult

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "iowa2020"
E = defs.load_election("iowa-2020")


@pytest.mark.parametrize("path", ["/idp/results.json", "/idp/full.csv", "/idp/long.csv"])
def test_each_layout_gives_the_bundled_numbers(sim, store, collectors, path):
    [sid] = add_sources(store, f'[[source]]\nkind = "official"\nurl = "{sim.url}{path}?label=71pct"')
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "ok" and out.result.releases == 1, out.message
    truth = defs.load_release("iowa-2020", "71pct")
    with session_scope(store) as s:
        rel = s.exec(select(OfficialRelease)).one()
        assert rel.row_count == len(truth) * len(E.candidate_keys) and rel.label == "71pct"
        rows = {(r.county, r.precinct, r.candidate): r for r in s.exec(select(OfficialResult))}
    for t in truth[::97]:
        for c in E.candidate_keys:
            r = rows[(t.county, t.precinct, c)]
            assert (r.first, r.final) == (t.first[c], t.final[c]) and r.sde == pytest.approx(t.sde[c])
    # the same body again (no ETag sent on a fresh collector) is deduplicated by hash
    with session_scope(store) as s:
        src = s.get(__import__("shadowtally.store.models").store.models.Source, sid)
        src.cursor = {}
        s.add(src)
    again = run_source(store, sid, collectors, now=now)
    assert again.result.releases == 0
    with session_scope(store) as s:
        assert s.exec(select(func.count()).select_from(OfficialRelease)).one() == 1


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared Iowa 2020 data not present")
def test_real_release_files_parse():
    layout, rows, meta = parse_release((SHARED / "magnusjacobsen-iowa_caucus_2020" / "IowaDemPrecinctsSFTP-latest.json")
                                       .read_text(), E)
    assert layout == "json" and meta["precincts"] >= 1761
    layout, rows, meta = parse_release((SHARED / "iowa-tools" / "data" / "idp-2020-02-06-92" / "full.csv").read_text(), E)
    assert layout == "csv" and meta["precincts"] == len(rows) // 14 > 1600


def _csv(label: str = "62pct") -> str:
    import gzip
    import importlib.resources as ir
    compact = gzip.decompress((ir.files("shadowtally.elections") / "data" / "iowa-2020" / "releases" / f"{label}.csv.gz").read_bytes()).decode()
    keys = E.candidate_keys
    lines = [",," + ",".join(["First Expression"] * 14 + ["Final Expression"] * 14 + ["SDE"] * 14),
             ",," + ",".join(list(keys) * 3), "County,Precinct" + "," * 42]
    for line in compact.splitlines()[1:]:
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_malformed_release_is_rejected_whole_naming_the_line():
    text = _csv().splitlines()
    text[9] = text[9].replace(",6,", ",six,", 1) if ",6," in text[9] else text[9].rsplit(",", 1)[0] + ",x"
    with pytest.raises(Rejected, match=r"line 10\b"):
        parse_release("\n".join(text), E)
    short = _csv().splitlines()
    short[20] = ",".join(short[20].split(",")[:10])
    with pytest.raises(Rejected, match=r"line 21: 10 fields"):
        parse_release("\n".join(short), E)
    unknown = _csv().splitlines()
    unknown[5] = "Atlantis" + unknown[5][unknown[5].index(","):]
    with pytest.raises(Rejected, match=r"line 6: unknown county 'Atlantis'"):
        parse_release("\n".join(unknown), E)
    with pytest.raises(Rejected, match=r"line 1, column \d+: malformed JSON"):
        parse_release('{"meta": {}, "precincts": [ {"precinct": }', E)
