"""``shadowtally.toml``: the sources to watch, read with :mod:`tomllib`.

    x_api_url = "https://api.twitter.com"      # optional; env SHADOWTALLY_X_API_URL wins
    election = "iowa-2020"                     # optional
    x_page_size = 100                          # optional; posts per X request (5-100)
    retry_base = 0.5                           # optional; first backoff step, seconds

    [[source]]
    kind = "x_account"                         # feed | x_account | x_list | x_search | official
    handle = "PolkDems"                        # x_account: handle; x_list: list_id;
    precinct = "Polk/DES MOINES-80"            # x_search: query (or handles = [...], packed);
    role = "secretary"                         # feed, official: url
    interval = 60                              # seconds between passes

Secrets never live here: the X bearer token comes only from ``SHADOWTALLY_X_BEARER_TOKEN``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shadowtally.settings import DEFAULT_ELECTION
from shadowtally.errors import ConfigError, InvalidValue
from shadowtally.collectors.kinds import KINDS
from shadowtally.store.validate import SourceIn

DEFAULT_CONFIG = "shadowtally.toml"
DEFAULT_X_API_URL = "https://api.twitter.com"
X_API_ENV = "SHADOWTALLY_X_API_URL"
TOKEN_ENV = "SHADOWTALLY_X_BEARER_TOKEN"
SEARCH_QUERY_LIMIT = 512



@dataclass(frozen=True)
class SourceSpec:
    """One ``[[source]]`` table, checked."""

    kind: str
    locator: str
    platform: str
    label: str = ""
    role: str = "other"
    county: str | None = None
    precinct: str | None = None
    interval: int = 60
    jitter: int = 0
    trust: float = 0.5

    def to_in(self) -> SourceIn:
        return SourceIn.of(kind=self.kind, platform=self.platform, locator=self.locator, label=self.label,
                           role=self.role, county=self.county, precinct=self.precinct, interval_s=self.interval,
                           trust=self.trust)


@dataclass(frozen=True)
class Config:
    path: Path | None
    sources: tuple[SourceSpec, ...]
    x_api_url: str = DEFAULT_X_API_URL
    election: str = DEFAULT_ELECTION
    extra: dict[str, Any] = field(default_factory=dict)


def guess_platform(kind: str, locator: str) -> str:
    fixed = KINDS[kind].platform if kind in KINDS else None
    if fixed:
        return fixed
    if "/profile/" in locator and locator.rstrip("/").endswith("/rss"):
        return "bluesky"
    if "/@" in locator and locator.endswith(".rss") or "/tagged/" in locator:
        return "mastodon"
    return "web"


def pack_queries(handles: list[str], limit: int = SEARCH_QUERY_LIMIT) -> list[str]:
    """``from:a OR from:b …`` queries, each at most ``limit`` characters, covering every handle once."""
    out: list[str] = []
    current = ""
    for h in handles:
        term = f"from:{h.lstrip('@')}"
        if len(term) > limit:
            raise ConfigError(f"handle {h!r} alone is longer than the {limit}-character query limit")
        candidate = f"{current} OR {term}" if current else term
        if len(candidate) > limit:
            out.append(current)
            candidate = term
        current = candidate
    if current:
        out.append(current)
    return out


def _specs(n: int, table: dict[str, Any], where: str) -> list[SourceSpec]:
    ctx = f"{where}: source #{n}"
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(f"{ctx}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    spec = KINDS[kind]
    unknown = set(table) - spec.known_fields
    if unknown:
        raise ConfigError(f"{ctx}: unknown field(s) {', '.join(sorted(unknown))} for a {kind} source",
                          hint=f"known fields: {', '.join(sorted(spec.known_fields))}")
    key = spec.locator_field
    locators: list[str]
    if kind == "x_search" and "handles" in table and "query" not in table:
        handles = table["handles"]
        if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
            raise ConfigError(f"{ctx}: handles must be a list of strings")
        locators = pack_queries(handles)
    else:
        value = table.get(key)
        if not isinstance(value, (str, int)) or not str(value).strip():
            raise ConfigError(f"{ctx}: a {kind} source needs {key} = \"…\"")
        locators = [str(value).strip()]
        if kind == "x_account":
            locators = [locators[0].lstrip("@")]
        if kind == "x_search" and len(locators[0]) > SEARCH_QUERY_LIMIT:
            raise ConfigError(f"{ctx}: query is {len(locators[0])} characters; the limit is {SEARCH_QUERY_LIMIT}")
    county = precinct = None
    if table.get("precinct"):
        text = str(table["precinct"])
        if "/" not in text:
            raise ConfigError(f"{ctx}: precinct must be \"County/Precinct\" (got {text!r})")
        county, precinct = (s.strip() for s in text.split("/", 1))
    interval = table.get("interval", 60)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise ConfigError(f"{ctx}: interval must be a whole number of seconds ≥ 1 (got {interval!r})")
    out = []
    for loc in locators:
        spec = SourceSpec(kind=kind, locator=loc, platform=str(table.get("platform") or guess_platform(kind, loc)),
                          label=str(table.get("label", "")), role=str(table.get("role", "other")), county=county,
                          precinct=precinct, interval=interval, jitter=int(table.get("jitter", 0)),
                          trust=float(table.get("trust", 0.5)))
        try:
            spec.to_in()
        except InvalidValue as exc:
            raise ConfigError(f"{ctx}: {exc}") from None
        out.append(spec)
    return out


def parse_config(text: str, *, path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{where}: sources are [[source]] tables")
    specs: list[SourceSpec] = []
    for n, table in enumerate(tables, 1):
        specs += _specs(n, table, where)
    x_api_url = os.environ.get(X_API_ENV) or data.get("x_api_url") or DEFAULT_X_API_URL
    extra = {k: v for k, v in data.items() if k not in ("source", "x_api_url", "election")}
    return Config(path, tuple(specs), str(x_api_url).rstrip("/"), str(data.get("election", DEFAULT_ELECTION)), extra)


def load_config(path: str | Path | None = None, *, required: bool = False) -> Config:
    """Read ``path`` (default ``./shadowtally.toml``); a missing default file is an empty config."""
    p = Path(path) if path else Path(DEFAULT_CONFIG)
    if not p.is_file():
        if path is not None or required:
            raise ConfigError(f"no config file at {p}",
                              hint="create it, or add a source with `shadowtally sources add KIND LOCATOR`")
        return parse_config("", path=None)
    return parse_config(p.read_text(encoding="utf-8"), path=p)


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def append_source(path: str | Path, table: dict[str, Any]) -> None:
    """Append one ``[[source]]`` table to the file (created if missing), after checking it."""
    p = Path(path)
    existing = p.read_text(encoding="utf-8") if p.is_file() else ""
    table = {k: v for k, v in table.items() if v is not None}
    _specs(1, table, str(p))
    lines = ["", "[[source]]"]
    for k, v in table.items():
        if v is None:
            continue
        lines.append(f"{k} = {v}" if isinstance(v, (int, float)) and not isinstance(v, bool) else f"{k} = {_toml_str(str(v))}")
    text = existing.rstrip("\n") + "\n" + "\n".join(lines) + "\n" if existing else "\n".join(lines[1:]) + "\n"
    parse_config(text, path=p)
    p.write_text(text, encoding="utf-8")
