"""An Atom feed of findings, for newsrooms to subscribe to in any feed reader.

Pure: findings in, XML text out. Each finding is one entry whose id stays the same
while the finding holds, and whose ``updated`` moves when it is seen again or resolved,
so readers show a new item only for what is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedEntry:
    """One finding as the feed shows it."""

    id: int
    rule: str
    severity: str
    county: str | None
    precinct: str | None
    message: str
    evidence: Mapping[str, Any]
    first_seen: datetime
    last_seen: datetime
    resolved: bool


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def evidence_urls(evidence: Mapping[str, Any]) -> list[str]:
    """Every URL named anywhere in the evidence: the posts and releases behind the finding."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            found.append(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(evidence)
    return list(dict.fromkeys(found))


def findings_feed(entries: Iterable[FeedEntry], *, feed_id: str, title: str, self_url: str,
                  generated_at: datetime) -> str:
    """Render findings, newest first, as an Atom 1.0 document."""
    ET.register_namespace("", ATOM_NS)
    q = lambda tag: f"{{{ATOM_NS}}}{tag}"  # noqa: E731
    feed = ET.Element(q("feed"))
    ET.SubElement(feed, q("id")).text = feed_id
    ET.SubElement(feed, q("title")).text = title
    ET.SubElement(feed, q("updated")).text = _iso(generated_at)
    ET.SubElement(feed, q("link"), rel="self", href=self_url)
    author = ET.SubElement(feed, q("author"))
    ET.SubElement(author, q("name")).text = "ShadowTally"
    for e in sorted(entries, key=lambda e: (e.last_seen, e.id), reverse=True):
        item = ET.SubElement(feed, q("entry"))
        ET.SubElement(item, q("id")).text = f"{feed_id}/finding/{e.id}"
        where = " / ".join(x for x in (e.county, e.precinct) if x)
        state = "resolved: " if e.resolved else ""
        ET.SubElement(item, q("title")).text = f"{state}[{e.severity}] {e.rule} {where}: {e.message}"
        ET.SubElement(item, q("published")).text = _iso(e.first_seen)
        ET.SubElement(item, q("updated")).text = _iso(e.last_seen)
        ET.SubElement(item, q("category"), term=e.severity)
        ET.SubElement(item, q("category"), term=e.rule)
        for url in evidence_urls(e.evidence):
            ET.SubElement(item, q("link"), rel="related", href=url)
        content = ET.SubElement(item, q("content"), type="text")
        content.text = f"{e.message}\n\nEvidence:\n{json.dumps(e.evidence, indent=1, ensure_ascii=False, default=str)}"
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)
