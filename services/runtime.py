"""The runtime: one object that wires a running ShadowTally, built once from settings.

It holds the engine, the loaded election, the parser built with the registered
accounts, the post hand-off, the collectors, and the scheduler's job context with its
reconcile hook. ``shadowtally run``, ``collect --once`` and the demo each build one;
tests build their own. Nothing here is a module global: the only global left is the
scheduler's context registry, which APScheduler 3 needs to find job functions by
reference (:data:`collectors.scheduler._CONTEXTS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

from shadowtally import elections as defs
from shadowtally.collectors.config import Config, SourceSpec
from shadowtally.collectors.pipeline import Handoff
from shadowtally.collectors.scheduler import (
    Collectors, JobContext, Outcome, Settings, build_scheduler, context_key, prune_jobs, run_once,
    start_streams, stop_scheduler, sync_sources, unregister_context,
)
from shadowtally.parsers import Parser, build_pipeline
from shadowtally.parsers.accounts import Account, norm_handle
from shadowtally.services.tally import reconcile_store
from shadowtally.store.accounts import AccountRow, sync_accounts
from shadowtally.store.db import session_scope
from shadowtally.store.elections import load_election

ReconcileHook = Callable[[Engine], None]


def accounts_from_sources(specs: Iterable[SourceSpec], election: defs.Election) -> dict[str, Account]:
    """Registered accounts named by the config: each ``x_account`` source with a known precinct."""
    out: dict[str, Account] = {}
    for s in specs:
        if s.kind == "x_account" and s.county and s.precinct and election.precinct(s.county, s.precinct) is not None:
            out[norm_handle(s.locator)] = Account(s.locator, s.county, s.precinct, s.role)
    return out


@dataclass
class Runtime:
    """Everything a running ShadowTally shares; see the module docstring."""

    engine: Engine
    settings: Settings
    election: defs.Election
    accounts: Mapping[str, Account]
    parser: Parser
    handoff: Handoff
    collectors: Collectors
    jobs: JobContext

    @classmethod
    def build(cls, engine: Engine, settings: Settings, *, accounts: Mapping[str, Account] | None = None,
              roles: Mapping[str, tuple[str, bool]] | None = None,
              reconcile: ReconcileHook | None = None) -> "Runtime":
        """Load the election into the store, build the parser with ``accounts``, and wire the hand-off.

        ``roles`` (author → (role, registered)) adds authors beyond the registered
        accounts; both are written to the store's ``accounts`` table so every reader
        of the store ranks claims alike. ``reconcile`` defaults to the store's full
        reconcile pass."""
        election = defs.load_election(settings.election)
        accounts = dict(accounts or {})
        all_roles = {norm_handle(h): (a.role, True) for h, a in accounts.items()}
        all_roles.update({norm_handle(h): r for h, r in (roles or {}).items()})
        with session_scope(engine) as session:
            load_election(session, settings.election)
            located = {norm_handle(h): a for h, a in accounts.items()}
            sync_accounts(session, [
                AccountRow(h, role, registered, *((located[h].county, located[h].precinct) if h in located else ()))
                for h, (role, registered) in all_roles.items()])
        parser = build_pipeline(election, accounts)
        handoff = Handoff(parser=parser)
        collectors = Collectors(settings, handoff)
        slug = settings.election
        jobs = JobContext(key=context_key(engine), engine=engine, collectors=collectors,
                          reconcile=reconcile or (lambda eng: reconcile_store(eng, slug)))
        return cls(engine, settings, election, accounts, parser, handoff, collectors, jobs)

    @classmethod
    def from_config(cls, engine: Engine, config: Config, *, extra_accounts: Mapping[str, Account] | None = None,
                    **overrides: object) -> "Runtime":
        """The runtime ``shadowtally run`` uses: settings and registered accounts from the config."""
        settings = Settings.from_config(config, **overrides)  # type: ignore[arg-type]
        election = defs.load_election(settings.election)
        accounts = accounts_from_sources(config.sources, election)
        accounts.update(extra_accounts or {})
        return cls.build(engine, settings, accounts=accounts)

    # ---- what the shells do with it --------------------------------------------------------------

    def sync_sources(self, specs: Sequence[SourceSpec]) -> list[int]:
        """Make the store's sources match ``specs``; returns their ids."""
        return sync_sources(self.engine, specs)

    def run_once(self, source_ids: Iterable[int], report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """One pass over each source, with this runtime's collectors and hand-off."""
        return run_once(self.engine, source_ids, self.collectors, report=report)

    def scheduler(self, source_ids: Iterable[int], *, scheduler: BaseScheduler | None = None,
                  reconcile_every: int = 60, persistent: bool = True) -> BaseScheduler:
        """A scheduler with one job per polled source and the reconcile job, bound to this runtime,
        and one consumer thread per streaming source (started now; stopped by :meth:`stop`)."""
        ids = list(source_ids)
        sched = build_scheduler(self.jobs, ids, scheduler=scheduler, reconcile_every=reconcile_every,
                                persistent=persistent)
        start_streams(self.jobs, ids)
        return sched

    def prune_jobs(self) -> None:
        prune_jobs(self.jobs)

    def set_reconcile(self, hook: ReconcileHook | None) -> None:
        self.jobs.reconcile = hook

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the scheduler (letting running passes finish) and release the job context."""
        stop_scheduler(self.jobs, timeout=timeout)
        unregister_context(self.jobs)
