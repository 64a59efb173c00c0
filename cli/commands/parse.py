"""``shadowtally parse`` (JSONL posts in → JSONL claims out) and ``shadowtally reparse``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator

import click

from shadowtally.errors import NotFound, ShadowTallyError
from shadowtally.cli.output import err_console

__all__ = ["register", "run_parse", "ParseSession"]


@dataclass
class ParseSession:
    """Parses a stream of posts in order, keeping what threads and corrections need:
    each post's precinct (for replies) and claims (for corrections). An edited post
    (same id again) replaces its earlier version."""

    parser: object
    precinct_of: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    parent_of: dict[str, str | None] = field(default_factory=dict)
    claims_of: dict[str, tuple] = field(default_factory=dict)
    author_posts: dict[str, list[str]] = field(default_factory=dict)

    def context(self, post):
        from shadowtally.parsers import ThreadContext

        chain: list[str] = []
        pid = post.in_reply_to
        seen = set()
        while pid and pid not in seen and pid in self.parent_of:
            seen.add(pid)
            chain.append(pid)
            pid = self.parent_of[pid]
        precinct = next((self.precinct_of[p] for p in chain if self.precinct_of.get(p)), None)
        prior_ids = list(reversed(chain))
        for p in self.author_posts.get((post.author or "").lower(), []):
            if p not in prior_ids and p != post.id:
                prior_ids.append(p)
        prior = tuple((p, c) for p in prior_ids for c in self.claims_of.get(p, ()))
        if precinct is None and not prior:
            return None
        return ThreadContext(precinct=precinct, prior=prior)

    def parse(self, post):
        result = self.parser.parse(post, self.context(post))
        self.parent_of[post.id] = post.in_reply_to
        self.precinct_of[post.id] = result.precinct
        self.claims_of[post.id] = result.claims
        lst = self.author_posts.setdefault((post.author or "").lower(), [])
        if post.id not in lst:
            lst.append(post.id)
        return result


def _post_from(obj: object):
    from shadowtally.parsers import PostInput

    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if not isinstance(obj.get("id"), (str, int)) or not isinstance(obj.get("text"), str):
        raise ValueError("needs string fields 'id' and 'text'")
    reply = obj.get("in_reply_to")
    return PostInput(id=str(obj["id"]), text=obj["text"], author=str(obj.get("author") or ""),
                     created_at=obj.get("created_at"), in_reply_to=str(reply) if reply not in (None, "") else None)


def run_parse(lines: Iterable[str], parser) -> Iterator[dict]:
    """One output record per input line, in order. Bad lines give an error record."""
    session = ParseSession(parser)
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            yield {"line": lineno, "error": "empty line"}
            continue
        try:
            post = _post_from(json.loads(line))
        except (ValueError, TypeError) as exc:
            yield {"line": lineno, "error": f"malformed input: {exc}"}
            continue
        result = session.parse(post)
        yield {"id": post.id, "kind": result.kind, "claims": [c.to_json() for c in result.claims]}


def _load_parser(election_slug: str, accounts_file: IO[str] | None):
    from shadowtally.elections import UnknownElection, load_election
    from shadowtally.parsers import build_pipeline
    from shadowtally.parsers.accounts import AccountError, load_accounts

    try:
        election = load_election(election_slug)
    except UnknownElection as exc:
        raise NotFound(str(exc), hint="run `shadowtally parse --election iowa-2020`") from exc
    accounts = {}
    if accounts_file is not None:
        try:
            accounts, problems = load_accounts(accounts_file.read(), election)
        except AccountError as exc:
            raise ShadowTallyError(str(exc), hint="the file needs the columns handle,county,precinct,role") from exc
        for p in problems:
            err_console.print(f"[yellow]accounts:[/] {p}", highlight=False)
    return build_pipeline(election, accounts)


def register(group: click.Group) -> None:
    @group.command("parse")
    @click.option("--election", "election_slug", default="iowa-2020", show_default=True, help="Election definition to parse against.")
    @click.option("--accounts", "accounts_file", type=click.File("r", encoding="utf-8"), default=None,
                  help="CSV of registered accounts: handle,county,precinct,role.")
    def parse_cmd(election_slug: str, accounts_file: IO[str] | None) -> None:
        """Parse posts (JSON lines on stdin) into claims (JSON lines on stdout)."""
        parser = _load_parser(election_slug, accounts_file)
        errors = 0
        for rec in run_parse(sys.stdin, parser):
            if "error" in rec:
                errors += 1
                err_console.print(f"[red]line {rec['line']}:[/] {rec['error']}", highlight=False)
            click.echo(json.dumps(rec, ensure_ascii=False))
        if errors:
            err_console.print(f"{errors} bad input line(s) skipped", highlight=False)

    @group.command("reparse")
    @click.option("--election", "election_slug", default="iowa-2020", show_default=True, help="Election definition to parse against.")
    @click.option("--accounts", "accounts_file", type=click.File("r", encoding="utf-8"), default=None,
                  help="CSV of registered accounts: handle,county,precinct,role.")
    @click.option("--db", "db_url", default=None, envvar="SHADOWTALLY_DB", help="Database URL (default: the configured store).")
    def reparse_cmd(election_slug: str, accounts_file: IO[str] | None, db_url: str | None) -> None:
        """Run the parser again over every stored post, replacing each post's claims."""
        parser = _load_parser(election_slug, accounts_file)
        n_posts, n_claims = reparse_store(parser, db_url)
        err_console.print(f"reparsed {n_posts} post(s); {n_claims} claim(s) stored", highlight=False)


def reparse_store(parser, db_url: str | None) -> tuple[int, int]:
    """Reparse every non-deleted stored post in creation order, replacing its claims
    (never duplicating them). Returns (posts, claims stored)."""
    try:
        from shadowtally.store.db import open_store, session_scope
        from shadowtally.store.ingest import record_findings, replace_claims
        from shadowtally.store.validate import ClaimIn
    except ImportError as exc:  # the store is built in parallel
        raise ShadowTallyError(f"the store is not available: {exc}", hint="update ShadowTally; store/db.py is missing") from exc
    from datetime import datetime, timezone

    from pydantic import ValidationError
    from sqlmodel import select

    from shadowtally.collectors.pipeline import math_findings, math_scope, post_input
    from shadowtally.store.models import Post

    engine = open_store(db_url)
    state = ParseSession(parser)
    n_posts = n_claims = 0
    now = datetime.now(timezone.utc)
    stored: dict[str, list] = {}  # external id → its freshly stored claim rows
    with session_scope(engine) as s:
        posts = s.exec(select(Post).where(Post.deleted == False).order_by(Post.created_at, Post.id)).all()  # noqa: E712
        for post in posts:
            result = state.parse(post_input(post))
            items = []
            for c in result.claims:
                sup = None
                if c.supersedes is not None:
                    rows = stored.get(c.supersedes, [])
                    match = [r for r in rows if r.round == c.round] or rows
                    sup = match[0].id if match else None
                try:
                    items.append(ClaimIn(county=c.county, precinct=c.precinct, round=c.round, counts=dict(c.counts),
                                         confidence=c.confidence, status=c.status, rule=c.rule,
                                         evidence=[list(e) for e in c.evidence], supersedes=sup))
                except ValidationError as exc:
                    err_console.print(f"[yellow]post {post.external_id}:[/] claim not stored: "
                                      f"{exc.errors()[0].get('msg')}", highlight=False)
            stored[post.external_id] = replace_claims(s, post, items, now=now)
            record_findings(s, math_findings(post, result.claims), now=now, scope=math_scope(post))
            n_posts += 1
            n_claims += len(items)
    return n_posts, n_claims
