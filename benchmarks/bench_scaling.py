"""Benchmark: the tally at national size, and how its time grows.

    .venv/bin/python benchmarks/bench_scaling.py [--sizes 17500,43750,87500,175000]
        [--store-sizes 17500,43750] [--backends sqlite,postgresql]
        [--pg postgresql://postgres@127.0.0.1:5432/test] [--write]

A synthetic national election: N units copied from Iowa's 1,765 (name suffix ``/k``),
each posting unit (1,759 of every 1,765) with ~11.4 posts from several sources: the
secretary's three round posts, the chair's all-rounds post, 2–4 captains, a reporter,
bystanders, some wrong numbers (8% of captains, 5% of bystanders), a wrong post and
its "CORRECTION:" (15% of units), retweets, cross-posts and noise without numbers.
175,000 units give ~2.0 million posts and ~1.8 million accepted claims. One release of
the N units' rows (a seeded 2.5% altered, 2% missing) is reconciled.

Every measurement runs in its own process (``core`` / ``store`` subcommands), so
memory is that size's alone. Reported per size:

* pure core: ``build_shadow`` and ``reconcile`` (one release of N rows) wall time, how
  much of it was the cyclic garbage collector (``gc.callbacks``), peak RSS (VmHWM,
  reset after the inputs are built), and the log-log slope between sizes
  (1.0 = linear);
* store path, per backend: load (posts with ``upsert_posts``, claims with
  ``replace_claims_many``, the release with ``upsert_release``), then
  ``shadowtally.services.tally.compute`` split into the claim query (database + driver, measured
  by running the same SQL on the raw DBAPI cursor), the rows → ClaimRecord rest of
  ``claim_records``, ``build_shadow``, ``release_rows`` and ``reconcile``; and a check
  that the store path finds the same statuses as the pure core.

PostgreSQL runs in a schema created for the run and dropped after it.
``--write`` puts the figures into the ``### Scaling to national size`` part of the
``## Tally and reconciliation`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the replay package may be newer than the editable install's map

from shadowtally.elections import Election, Precinct, ReleaseInfo, ReleaseRow, load_election, load_release  # noqa: E402
from shadowtally.reconcile.compare import reconcile  # noqa: E402
from shadowtally.reconcile.shadow import ClaimRecord, build_shadow, rulepack_allocator  # noqa: E402
from shadowtally.replay.formats import PrecinctTrue  # noqa: E402
from shadowtally.replay.scenario import (CAPTAIN_NAMES, OUTLETS, PLATFORM_WEIGHTS, PLATFORMS, POST_START,  # noqa: E402
                             truth_of, unit_slug)

SECTION = "## Tally and reconciliation"
SUBSECTION = "### Scaling to national size"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


# -- the synthetic national stream ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynPost:
    """One generated post: who, where, when, and the (round, counts) it truly states."""

    platform: str
    external_id: str
    author: str
    role: str
    registered: bool
    url: str
    text: str
    created_at: datetime
    county: str
    precinct: str
    claims: tuple[tuple[str, dict[str, int | float]], ...] = ()
    corrects: int | None = None  # index (in the whole stream) of the post this one corrects


def _truths() -> list[tuple[PrecinctTrue, str] | None]:
    """Iowa's true numbers per unit and its handle slug (None: the unit has nothing to post), in unit order."""
    base = load_election("iowa-2020")
    rows = {(r.county, r.precinct): r for r in load_release("iowa-2020", "100pct")}
    out: list[tuple[PrecinctTrue, str] | None] = []
    for u in base.precincts:
        r = rows.get(u.key)
        if r is None or u.sde_ratio <= 0 or not any(r.first.values()) or not any(r.final.values()):
            out.append(None)
            continue
        t = truth_of(r, u)
        out.append((replace(t, sde={k: round(v, 4) for k, v in t.sde.items()}), unit_slug(u)))
    return out


def _body(counts: dict[str, int | float]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _bump(counts: dict[str, int], by: int) -> dict[str, int]:
    """A wrong number: the leading group's count off by ``by``."""
    top = max(counts, key=lambda c: (counts[c], c))
    return dict(counts, **{top: counts[top] + by})


def copy_posts(k: int, truths: list[tuple[PrecinctTrue, str] | None], start: int) -> list[SynPost]:
    """The posts of copy ``k`` of Iowa's units; ``start`` is the stream index of the first one.

    Deterministic in ``k`` alone (its own seeded ``random.Random``), so any size is a
    prefix of the next and copies can be generated one at a time.
    """
    rng = random.Random(2020 * 1_000_003 + k)
    out: list[SynPost] = []

    def emit(platform: str, author: str, role: str, registered: bool, text: str, at: datetime, t: PrecinctTrue,
             claims: tuple[tuple[str, dict[str, int | float]], ...] = (), corrects: int | None = None) -> int:
        g = k * 100_000 + len(out)
        if platform == "x":
            pid = str(1_224_500_000_000_000_000 + g)
            url = f"https://x.com/{author.lstrip('@')}/status/{pid}"
        elif platform == "mastodon":
            pid = str(103_610_000_000_000_000 + g)
            url = f"https://mastodon.social/{author}/{pid}"
        else:
            pid = f"3k{g:011x}"
            url = f"https://bsky.app/profile/{author.lstrip('@')}.bsky.social/post/{pid}"
        out.append(SynPost(platform, pid, author, role, registered, url, text, at, t.unit.county,
                           f"{t.unit.name}/{k}", claims, corrects))
        return start + len(out) - 1

    def pick() -> str:
        return rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0]

    for item in truths:
        if item is None:
            continue
        t, slug = item
        name = f"{t.unit.name}/{k}"
        where = f"{t.unit.county} County, {name}"
        ready = POST_START + timedelta(minutes=rng.uniform(40, 235))
        with_claims: list[int] = []
        # The secretary: one post per round (delegates in 70%, the rest are derived).
        sec, sec_reg, sec_pf = f"@{slug}{k}_sec", rng.random() < 0.6, pick()
        rounds = [("first", t.first), ("final", t.final)] + ([("delegates", t.delegates)] if rng.random() < 0.7 else [])
        for i, (rnd, counts) in enumerate(rounds):
            with_claims.append(emit(sec_pf, sec, "secretary", sec_reg, f"{where} {rnd}: {_body(counts)}",
                                    ready + timedelta(minutes=i), t, ((rnd, dict(counts)),)))
        if rng.random() < 0.25:  # the secretary's cross-post of the final round: not an independent source
            emit(rng.choice([p for p in PLATFORMS if p != sec_pf]), sec, "secretary", sec_reg,
                 f"{where} final: {_body(t.final)}", ready + timedelta(minutes=2), t)
        if rng.random() < 0.5:  # the chair: every round in one post
            emit(pick(), f"@{slug}{k}_cha", "chair", rng.random() < 0.6,
                 f"{where} 1st {_body(t.first)} / final {_body(t.final)} / SDE {_body(t.sde)}",
                 ready + timedelta(minutes=rng.uniform(0, 20)), t,
                 (("first", dict(t.first)), ("final", dict(t.final)), ("sde", dict(t.sde))))
        for j in range(rng.randint(2, 4)):  # captains repeat the final alignment, now and then wrongly
            final = _bump(t.final, 1) if rng.random() < 0.08 else t.final
            with_claims.append(emit(pick(), f"@{rng.choice(CAPTAIN_NAMES)}4{slug}{k}_{j}", "captain", False,
                                    f"{where} final alignment: {_body(final)}",
                                    ready + timedelta(minutes=rng.uniform(1, 30)), t, (("final", dict(final)),)))
        if rng.random() < 0.6:  # a reporter covering many precincts
            rep = f"@{rng.choice(OUTLETS)}_{rng.choice('abcdefghjkmnpr')}{rng.randint(1, 9)}"
            emit(pick(), rep, "reporter", zlib.crc32(rep.encode()) % 10 < 3,
                 f"{where}: final {_body(t.final)}; delegates {_body(t.delegates)}",
                 ready + timedelta(minutes=rng.uniform(5, 60)), t,
                 (("final", dict(t.final)), ("delegates", dict(t.delegates))))
        for _ in range(rng.randint(0, 3)):  # bystanders, 5% wrong
            first = _bump(t.first, 1) if rng.random() < 0.05 else t.first
            with_claims.append(emit(pick(), f"@iowan{rng.randint(100, 99999)}", "other", False,
                                    f"{where} first: {_body(first)}", ready + timedelta(minutes=rng.uniform(0, 45)),
                                    t, (("first", dict(first)),)))
        if rng.random() < 0.15:  # a wrong number, then "CORRECTION:" by the same author
            cap, pf = f"@{rng.choice(CAPTAIN_NAMES)}4{slug}{k}_c", pick()
            wrong = emit(pf, cap, "captain", False, f"{where} first: {_body(_bump(t.first, 10))}",
                         ready + timedelta(minutes=3), t, (("first", _bump(t.first, 10)),))
            emit(pf, cap, "captain", False, f"CORRECTION: {where} first should read {_body(t.first)}",
                 ready + timedelta(minutes=3 + rng.uniform(4, 40)), t, (("first", dict(t.first)),), corrects=wrong)
        for _ in range(rng.randint(0, 3)):  # retweets: the same claims, not a new source (never parsed as one)
            src = out[rng.choice(with_claims) - start]
            emit("x", f"@iowan{rng.randint(100, 99999)}", "other", False, f"RT {src.author}: {src.text}",
                 src.created_at + timedelta(minutes=rng.uniform(1, 30)), t)
        for _ in range(rng.randint(0, 1)):
            emit(pick(), f"@iowan{rng.randint(100, 99999)}", "other", False, f"Huge turnout at {where}, line out the door",
                 ready - timedelta(minutes=rng.uniform(10, 60)), t)
        if rng.random() < 0.6:
            emit(pick(), f"@iowan{rng.randint(100, 99999)}", "other", False, f"Photo of the worksheet at {where} [image]",
                 ready - timedelta(minutes=rng.uniform(0, 10)), t)
    return out


def national(n: int) -> tuple[Election, list[ReleaseRow], ReleaseInfo, Callable[[], Iterator[list[SynPost]]]]:
    """The election of ``n`` units, its one release, and a generator of the posts copy by copy."""
    base = load_election("iowa-2020")
    rows = {(r.county, r.precinct): r for r in load_release("iowa-2020", "100pct")}
    truths = _truths()
    copies = -(-n // len(base.precincts))
    units: list[Precinct] = []
    release: list[ReleaseRow] = []
    for k in range(copies):
        for i, p in enumerate(base.precincts):
            if len(units) == n:
                break
            units.append(replace(p, name=f"{p.name}/{k}"))
            r = rows[p.key]
            if (i + 3 * k) % 50 == 0:
                continue  # missing from the release: posted units here are gaps
            r = replace(r, precinct=f"{r.precinct}/{k}")
            if (i + k) % 40 == 0 and any(r.final.values()):
                r = replace(r, final=_bump(dict(r.final), 2))  # a typo in the release
            release.append(r)
    last = n - (copies - 1) * len(base.precincts)  # units of the last, partial copy

    def posts() -> Iterator[list[SynPost]]:
        start = 0
        for k in range(copies):
            part = copy_posts(k, truths if k < copies - 1 else truths[:last], start)
            start += len(part)
            yield part

    election = Election(base.slug, base.name, base.date, base.rule_pack, base.timezone, base.candidates,
                        tuple(units), base.county_apportionment, base.releases)
    return election, release, base.release_info("100pct"), posts


def claim_records(posts: Iterator[list[SynPost]]) -> tuple[list[ClaimRecord], int]:
    """What a perfect parser accepts from the stream (retweets and cross-posts carry no claims)."""
    out: list[ClaimRecord] = []
    first_claim: dict[int, int] = {}
    index = 0
    for part in posts:
        for p in part:
            for rnd, counts in p.claims:
                cid = len(out) + 1
                first_claim.setdefault(index, cid)
                out.append(ClaimRecord(
                    claim_id=cid, post_id=index + 1, post_url=p.url, author=p.author, role=p.role,
                    registered=p.registered, created_at=p.created_at, county=p.county, precinct=p.precinct,
                    round=rnd, counts=counts, corrects=p.corrects is not None,
                    supersedes=first_claim[p.corrects] if p.corrects is not None else None, platform=p.platform,
                ))
            index += 1
    return out, index


# -- measuring ----------------------------------------------------------------------------------


class GcTimer:
    """Time the cyclic garbage collector spends, from ``gc.callbacks`` start/stop events.

    ``clock`` is ``time.process_time`` (CPU of this process) or ``time.perf_counter`` (wall).
    """

    def __init__(self, clock: Callable[[], float] = time.process_time) -> None:
        self.total = 0.0
        self.collections = 0
        self._clock = clock
        self._t = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t = self._clock()
        else:
            self.total += self._clock() - self._t
            self.collections += 1

    def __enter__(self) -> "GcTimer":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def _status_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kB


def reset_peak() -> int:
    """Reset the peak RSS (Linux: write 5 to clear_refs) and return the current RSS in MiB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_kb("VmRSS") // 1024


def peak_mib() -> int:
    return _status_kb("VmHWM") // 1024


def timed(fn: Callable[[], Any], gc_clock: Callable[[], float] = time.process_time) -> tuple[Any, float, float, float]:
    """Run ``fn``; (result, wall seconds, CPU seconds of this process, of which GC seconds on ``gc_clock``).

    The pure core's slopes use CPU time: the machine is shared, and wall time also
    counts the time another process held the core.
    """
    with GcTimer(gc_clock) as g:
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - t, time.process_time() - c, g.total


def run_core(n: int) -> dict[str, Any]:
    """One size of the pure core, in this process."""
    t = time.perf_counter()
    election, rows, info, posts = national(n)
    claims, n_posts = claim_records(posts())
    t_gen = time.perf_counter() - t
    allocate = rulepack_allocator(election)
    gc.collect()
    base = reset_peak()
    shadow, t_shadow, c_shadow, gc_shadow = timed(lambda: build_shadow(claims, election, allocate=allocate))
    rec, t_rec, c_rec, gc_rec = timed(lambda: reconcile(shadow, rows, info, election))
    return {
        "units": n, "posts": n_posts, "claims": len(claims), "release_rows": len(rows), "generate_s": t_gen,
        "shadow_wall_s": t_shadow, "shadow_s": c_shadow, "shadow_gc_s": gc_shadow,
        "reconcile_wall_s": t_rec, "reconcile_s": c_rec, "reconcile_gc_s": gc_rec,
        "rss_inputs_mib": base, "peak_mib": peak_mib(), "precincts": len(shadow.precincts),
        "findings": len(shadow.findings) + len(rec.findings), "counts": rec.counts,
    }


# -- the store path ------------------------------------------------------------------------------


def _pg_schema(base: str) -> tuple[str, Callable[[], None]]:
    """A fresh schema on ``base`` and a function that drops it (never touches other schemas)."""
    from sqlalchemy import create_engine, text

    from shadowtally.store.db import resolve_url

    schema = f"bench_scaling_{uuid.uuid4().hex[:10]}"
    admin = create_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", drop


def run_store(n: int, backend: str, pg: str) -> dict[str, Any]:
    """One size of the store path on one backend, in this process."""
    from sqlalchemy import text

    import shadowtally.services.tally as tally
    from shadowtally.store.db import open_store, session_scope
    from shadowtally.store.elections import load_election as store_election
    from shadowtally.store.ingest import replace_claims_many, upsert_posts, upsert_release
    from shadowtally.store.validate import ClaimIn, PostIn, ReleaseIn, release_results

    tmp = Path(tempfile.mkdtemp(prefix="bench_scaling_"))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    url = f"sqlite:///{tmp / 'store.db'}"
    if backend == "postgresql":
        url, drop = _pg_schema(pg)
    try:
        election, rows, info, posts = national(n)
        engine = open_store(url)
        fetched = datetime(2020, 2, 4, 6, tzinfo=timezone.utc)
        roles: dict[str, tuple[str, bool]] = {}
        n_posts = n_claims = 0
        t_posts = t_claims = t_validate = 0.0
        with session_scope(engine) as s:
            eid = store_election(s, "iowa-2020").election_id
        t_load = time.perf_counter()
        for part in posts():
            t = time.perf_counter()
            ins = [PostIn.of(platform=p.platform, external_id=p.external_id, author=p.author, url=p.url, text=p.text,
                             created_at=p.created_at, fetched_at=fetched,
                             raw={"id": p.external_id, "text": p.text, "author": p.author,
                                  "created_at": p.created_at.isoformat()}) for p in part]
            claims = [[ClaimIn.of(county=p.county, precinct=p.precinct, round=rnd, counts=c, confidence=0.9,
                                  status="accepted", rule="synthetic") for rnd, c in p.claims] for p in part]
            t_validate += time.perf_counter() - t
            for p in part:
                roles[p.author.lower()] = (p.role, p.registered)
            with session_scope(engine) as s:  # one transaction per copy (~20,000 posts)
                t = time.perf_counter()
                stored = upsert_posts(s, ins)
                t_posts += time.perf_counter() - t
                t = time.perf_counter()
                # Corrections name the claim they correct, so they go in after the claims they name.
                plain = [i for i, p in enumerate(part) if p.corrects is None and claims[i]]
                got = replace_claims_many(s, [(stored[i], claims[i]) for i in plain], now=fetched)
                first_of = {n_posts + i: ids[0] for i, ids in zip(plain, got)}  # stream index → first claim id
                fixes = [(stored[i], [c.model_copy(update={"supersedes": first_of[p.corrects]}) for c in claims[i]])
                         for i, p in enumerate(part) if p.corrects is not None]
                replace_claims_many(s, fixes, now=fetched)
                t_claims += time.perf_counter() - t
            n_posts += len(part)
            n_claims += sum(len(c) for c in claims)
        t = time.perf_counter()
        results = release_results(rows)
        release = ReleaseIn.of(label="100pct", published_at=info.published_at, fetched_at=fetched,
                               raw_body=f"synthetic national release of {len(rows)} units", results=results)
        del results
        with session_scope(engine) as s:
            upsert_release(s, eid, release)
        t_release = time.perf_counter() - t
        del release
        t_total_load = time.perf_counter() - t_load
        t_analyze = 0.0
        if backend == "postgresql":
            # autovacuum is off on the benchmark server (and a bulk load outruns it anyway):
            # give the planner statistics, as a loader should after a bulk insert.
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            t_analyze = time.perf_counter() - t
        db_mib = _db_size_mib(engine, tmp)

        # compute(), with its parts timed where compute looks them up (module globals).
        parts: dict[str, float] = {}

        def clock(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*a: Any, **kw: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    parts[name] = parts.get(name, 0.0) + time.perf_counter() - t0
            return wrapper

        originals = {name: getattr(tally, name) for name in ("claim_records", "build_shadow", "release_rows", "reconcile")}
        for name, fn in originals.items():
            setattr(tally, name, clock(name, fn))
        gc.collect()
        base = reset_peak()
        try:
            with session_scope(engine) as s:
                # Wall clock here: on PostgreSQL part of the work is the server's, not this process's.
                state, t_compute, c_compute, gc_compute = timed(
                    lambda: tally.compute(s, election, eid, roles=roles, latest_only=True), time.perf_counter)
        finally:
            for name, fn in originals.items():
                setattr(tally, name, fn)
        peak = peak_mib()
        t_query, plan = _claim_query_time(engine, backend)
        pure = reconcile(build_shadow(claim_records(posts())[0], election, allocate=rulepack_allocator(election)),
                         rows, info, election).counts
        return {
            "units": n, "backend": backend, "posts": n_posts, "claims": n_claims, "release_rows": len(rows),
            "validate_s": t_validate, "posts_s": t_posts, "claims_s": t_claims, "release_s": t_release,
            "load_s": t_total_load, "analyze_s": t_analyze, "db_mib": db_mib,
            "compute_s": t_compute, "compute_cpu_s": c_compute, "compute_gc_s": gc_compute, "query_s": t_query,
            "claim_records_s": parts["claim_records"], "shadow_s": parts["build_shadow"],
            "release_rows_s": parts["release_rows"], "reconcile_s": parts["reconcile"],
            "rss_before_mib": base, "peak_mib": peak, "counts": state.latest.counts if state.latest else {},
            "same_as_pure": (state.latest.counts if state.latest else None) == pure, "plan": plan,
        }
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _db_size_mib(engine: Any, tmp: Path) -> float:
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            size = conn.execute(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar_one()
        return float(size) / 2**20
    return sum(f.stat().st_size for f in tmp.iterdir()) / 2**20


def _claim_query_time(engine: Any, backend: str) -> tuple[float, list[str]]:
    """The claim query of ``claim_records`` run on the raw DBAPI cursor (database + driver, no
    ORM), fetching every row; on PostgreSQL also its EXPLAIN ANALYZE top lines."""
    from sqlmodel import Session

    from shadowtally.services.tally import accepted_claims_query

    query = accepted_claims_query()  # the statement shadowtally.services.tally.claim_records runs
    with Session(engine) as s:
        compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        sql, params = str(compiled), compiled.params
        if backend == "sqlite":
            params = tuple(compiled.params[k] for k in compiled.positiontup)  # type: ignore[union-attr]
        raw = s.connection().connection.dbapi_connection
        cur = raw.cursor()
        t = time.perf_counter()
        cur.execute(sql, params)
        n = len(cur.fetchall())
        elapsed = time.perf_counter() - t
        plan: list[str] = [f"{n} rows"]
        if backend == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [r[0] for r in cur.fetchall()]
        cur.close()
    return elapsed, plan


# -- orchestration -------------------------------------------------------------------------------


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"child {' '.join(args)} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def slope(a: dict[str, Any], b: dict[str, Any], key: str, x: str = "claims") -> str:
    """Growth exponent between two sizes: log(t_b / t_a) / log(x_b / x_a) (1.0 = linear)."""
    if a[key] <= 0 or b[key] <= 0:
        return "–"
    return f"{math.log(b[key] / a[key]) / math.log(b[x] / a[x]):.2f}"


def core_table(res: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| units | posts | claims | build_shadow CPU (of which GC) | slope | reconcile CPU, 1 release (of which GC) "
        "| slope | wall, both | RSS inputs → peak |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    prev = None
    for r in res:
        s1 = slope(prev, r, "shadow_s") if prev else ""
        s2 = slope(prev, r, "reconcile_s") if prev else ""
        lines.append(f"| {r['units']:,} | {r['posts']:,} | {r['claims']:,} | {r['shadow_s']:.2f} s "
                     f"({r['shadow_gc_s']:.2f} s) | {s1} | {r['reconcile_s']:.2f} s ({r['reconcile_gc_s']:.2f} s) "
                     f"| {s2} | {r['shadow_wall_s'] + r['reconcile_wall_s']:.1f} s "
                     f"| {r['rss_inputs_mib']:,} → {r['peak_mib']:,} MiB |")
        prev = r
    return lines


def load_table(res: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| backend | units | posts | claims | `upsert_posts` | `replace_claims_many` | `upsert_release` (14 rows/unit) "
        "| DB size | PostIn/ClaimIn validation (not in the load) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res:
        lines.append(
            f"| {r['backend']} | {r['units']:,} | {r['posts']:,} | {r['claims']:,} "
            f"| {r['posts_s']:.0f} s ({r['posts'] / r['posts_s']:,.0f}/s) | {r['claims_s']:.0f} s "
            f"({r['claims'] / r['claims_s']:,.0f}/s) | {r['release_s']:.0f} s | {r['db_mib']:,.0f} MiB "
            f"| {r['validate_s']:.0f} s |")
    return lines


def compute_table(res: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| backend | units | compute, wall (of which GC) | slope | claim query: DB + driver | rows → ClaimRecord "
        "| build_shadow | release_rows | reconcile | peak RSS | = pure core |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    prev: dict[str, dict[str, Any]] = {}
    for r in res:
        p = prev.get(r["backend"])
        s = slope(p, r, "compute_s") if p else ""
        lines.append(
            f"| {r['backend']} | {r['units']:,} | {r['compute_s']:.1f} s ({r['compute_gc_s']:.1f} s) | {s} "
            f"| {r['query_s']:.1f} s | {r['claim_records_s'] - r['query_s']:.1f} s | {r['shadow_s']:.1f} s "
            f"| {r['release_rows_s']:.1f} s | {r['reconcile_s']:.1f} s | {r['peak_mib']:,} MiB "
            f"| {'yes' if r['same_as_pure'] else 'NO'} |")
        prev[r["backend"]] = r
    return lines


def write(lines: list[str]) -> None:
    """Replace the ``### Scaling to national size`` part of the tally section (or append it there)."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    body = "\n".join([SUBSECTION, "", *lines]).rstrip("\n") + "\n\n"
    # Up to the next heading of any level: a hand-written "###" after it is kept.
    sub = re.compile(rf"^{re.escape(SUBSECTION)}\n.*?(?=^##+ |\Z)", re.S | re.M)
    if sub.search(text):
        text = sub.sub(lambda _: body, text, count=1)
    else:
        section = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
        m = section.search(text)
        if m is None:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{body}"
        else:
            text = text[:m.end()].rstrip("\n") + "\n\n" + body + text[m.end():]
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    one = sub.add_parser("core", help="one size of the pure core (prints JSON)")
    one.add_argument("--units", type=int, required=True)
    st = sub.add_parser("store", help="one size of the store path (prints JSON)")
    st.add_argument("--units", type=int, required=True)
    st.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    st.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--sizes", default="17500,43750,87500,175000")
    ap.add_argument("--store-sizes", default="17500,43750")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    if args.cmd == "core":
        print(json.dumps(run_core(args.units)))
        return
    if args.cmd == "store":
        print(json.dumps(run_store(args.units, args.backend, args.pg), default=str))
        return

    started = datetime.now(timezone.utc)
    core = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        core.append(_child(["core", "--units", str(n)]))
        print(core_table(core)[-1], flush=True)
    store = []
    for backend in (b for b in args.backends.split(",") if b):
        for n in (int(s) for s in args.store_sizes.split(",") if s):
            store.append(_child(["store", "--units", str(n), "--backend", backend, "--pg", args.pg]))
            print(load_table(store)[-1], flush=True)
            print(compute_table(store)[-1], flush=True)
    plans = [r for r in store if r["backend"] == "postgresql"]
    lines = [
        f"Command: `.venv/bin/python benchmarks/bench_scaling.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`",
        "",
        f"Machine: Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{started:%Y-%m-%d}; each size in its own process, no tracemalloc; RSS is the process's (VmHWM).",
        "",
        "Pure core (`build_shadow` + `reconcile` with one release of N rows); slope = log-log growth "
        "against claims between a size and the previous one (1.00 = linear):",
        "",
        *core_table(core),
    ]
    if store:
        lines += ["", "Store path, load: one transaction per copy of Iowa (~20,000 posts); posts with "
                  "`upsert_posts`, claims with `replace_claims_many` (corrections after the claims they name), "
                  "the release with `upsert_release`; wall time:", "", *load_table(store),
                  "", "Store path, `shadowtally.services.tally.compute(latest_only=True)` (store → claim records → shadow → "
                  "reconcile with the one release), wall time split by part; slope of compute against claims; "
                  "the claim query on the raw DBAPI cursor is the database and driver's share of claim_records:",
                  "", *compute_table(store)]
    if plans:
        lines += ["", f"PostgreSQL plan of the claim query at {plans[-1]['units']:,} units (EXPLAIN ANALYZE, top lines):",
                  "", *("    " + line for line in plans[-1]["plan"][:14])]
    print("\n".join(lines))
    if args.write:
        write(lines)


if __name__ == "__main__":
    main()
