"""``shadowtally parse`` (JSONL posts in → JSONL claims out) and ``shadowtally reparse``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Iterable, Iterator

import click

from shadowtally.settings import DEFAULT_ELECTION
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
        # Posts without an author are strangers to each other: linking them would make every
        # anonymous post the "earlier post" of the next (and the parse quadratic).
        for p in self.author_posts.get(post.author.lower(), []) if post.author else []:
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
        if post.author:
            lst = self.author_posts.setdefault(post.author.lower(), [])
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


def _load_parser(election_slug: str, accounts_file: IO[str] | None, stored: dict[str, Any] | None = None) -> Any:
    """The parser for ``election_slug`` with the registered accounts: ``stored`` (from the
    store's accounts table) and then the accounts file, which wins on a conflict."""
    from shadowtally.elections import UnknownElection, load_election
    from shadowtally.parsers import build_pipeline
    from shadowtally.parsers.accounts import AccountError, load_accounts

    try:
        election = load_election(election_slug)
    except UnknownElection as exc:
        raise NotFound(str(exc), hint=f"run `shadowtally parse --election {DEFAULT_ELECTION}`") from exc
    accounts = dict(stored or {})
    if accounts_file is not None:
        try:
            from_file, problems = load_accounts(accounts_file.read(), election)
            accounts.update(from_file)
        except AccountError as exc:
            raise ShadowTallyError(str(exc), hint="the file needs the columns handle,county,precinct,role") from exc
        for p in problems:
            err_console.print(f"[yellow]accounts:[/] {p}", highlight=False)
    return build_pipeline(election, accounts)


def register(group: click.Group) -> None:
    @group.command("parse")
    @click.option("--election", "election_slug", default=DEFAULT_ELECTION, show_default=True, help="Election definition to parse against.")
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
    @click.option("--election", "election_slug", default=DEFAULT_ELECTION, show_default=True, help="Election definition to parse against.")
    @click.option("--accounts", "accounts_file", type=click.File("r", encoding="utf-8"), default=None,
                  help="CSV of registered accounts: handle,county,precinct,role.")
    @click.option("--db", "db_url", default=None, envvar="SHADOWTALLY_DB", help="Database URL (default: the configured store).")
    def reparse_cmd(election_slug: str, accounts_file: IO[str] | None, db_url: str | None) -> None:
        """Run the parser again over every stored post, replacing each post's claims."""
        from shadowtally.store.db import open_store  # noqa: PLC0415

        engine = open_store(db_url)
        parser = _load_parser(election_slug, accounts_file, stored_accounts(engine, election_slug))
        n_posts, n_claims = reparse_store(parser, engine)
        err_console.print(f"reparsed {n_posts} post(s); {n_claims} claim(s) stored", highlight=False)


def stored_accounts(engine: Any, election_slug: str) -> dict[str, Any]:
    """The registered accounts a run wrote to the store (those with a known precinct)."""
    from sqlmodel import select  # noqa: PLC0415

    from shadowtally.elections import load_election  # noqa: PLC0415
    from shadowtally.parsers.accounts import Account, norm_handle  # noqa: PLC0415
    from shadowtally.store.db import session_scope  # noqa: PLC0415
    from shadowtally.store.models import Account as AccountRow  # noqa: PLC0415

    election = load_election(election_slug)
    with session_scope(engine) as s:
        rows = list(s.exec(select(AccountRow).where(AccountRow.registered == True)))  # noqa: E712
        return {norm_handle(a.handle): Account(a.handle, a.county, a.precinct, a.role) for a in rows
                if a.county and a.precinct and election.precinct(a.county, a.precinct) is not None}


def reparse_store(parser: Any, engine: Any) -> tuple[int, int]:
    """Reparse every non-deleted stored post in creation order, replacing its claims
    (never duplicating them). Returns (posts, claims stored).

    Each post goes through the same hand-off as a live post
    (:class:`collectors.pipeline.Handoff`), so thread context, corrections and
    caucus-math findings come out exactly as ``run`` stored them."""
    from datetime import datetime, timezone  # noqa: PLC0415

    from sqlmodel import func, select  # noqa: PLC0415

    from shadowtally.collectors.pipeline import Handoff  # noqa: PLC0415
    from shadowtally.store.db import session_scope  # noqa: PLC0415
    from shadowtally.store.models import Claim, Post  # noqa: PLC0415

    handoff = Handoff(parser=parser)
    now = datetime.now(timezone.utc)
    with session_scope(engine) as s:
        posts = s.exec(select(Post).where(Post.deleted == False).order_by(Post.created_at, Post.id)).all()  # noqa: E712
        for post in posts:
            handoff(s, post, now=now)
        n_claims = s.exec(select(func.count()).select_from(Claim)).one()
    if handoff.stats.parser_errors:
        err_console.print(f"[yellow]{handoff.stats.parser_errors} post(s) could not be parsed; their earlier "
                          "claims were kept[/]", highlight=False)
    return len(posts), int(n_claims)
