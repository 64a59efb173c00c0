"""Shared fixtures for the parser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shadowtally.elections import load_election
from shadowtally.parsers import build_pipeline
from shadowtally.parsers.accounts import load_accounts

DATA = Path(__file__).resolve().parents[1] / "data" / "parsers"


@pytest.fixture(scope="session")
def election():
    return load_election("iowa-2020")


@pytest.fixture(scope="session")
def parser(election):
    return build_pipeline(election)


@pytest.fixture(scope="session")
def corpus_parser(election):
    accounts, _ = load_accounts((DATA / "accounts.csv").read_text(encoding="utf-8"), election)
    return build_pipeline(election, accounts)
