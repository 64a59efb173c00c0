"""What a post is: a precinct result, an aggregate (state/county totals, % reporting, SDE
shares, campaign tallies) or other (predictions, polls, other states' contests, the other
party's caucuses, rankings, photos, chatter). The election says which state and party
are its own (``Election.home_state``, ``Election.party``)."""

from __future__ import annotations

import re

__all__ = ["aggregate_signal", "other_signal", "hedged"]

_AGG = re.compile(
    r"\d\s*%\s*(?:of\s+(?:the\s+)?(?:\w+\s+){0,3})?(?:precincts?\s+)?(?:reporting|in\b|counted|of the vote)"
    r"|precincts?\s+reporting|reporting\s*:|\bof\s+(?:all\s+)?(?:the\s+)?(?:total\s+)?precincts\b|\bstatewide\b|popular\s+vote"
    r"|[\d,]+\s*(?:of|/)\s*[\d,]+\s+precincts|SDE\s+percentages?|delegate\s+equivalents?.{0,40}\d\s*%"
    r"|pledged\s+delegates|national\s+delegates|\bcounties\b|campaign'?s?\s+(?:internal|own|figures|numbers|tally)"
    r"|according\s+to\s+.{0,30}(?:figures|campaign|internal)|internal\s+(?:numbers|tally|count|data)"
    r"|IDP\s+(?:release|results)|party\s+releases?|results\s+so\s+far|\bstate\s*wide\b|\bCCDs?\b"
    r"|^\s*[A-Z][A-Z ]+\*\s*(?:/|$)|\bstate\s+totals?\b|\bcounty\s+totals?\b|across\s+the\s+state"
    r"|in\s+control\s+of\s+\d+\s+delegates|\bAP\b\s*(?:call|reports|count)|edison\s+research",
    re.I | re.M)

_PREDICT = re.compile(
    r"\b(?:predict\w*|forecast\w*|projection|projected|projects|my\s+guess|guess(?:ing)?|odds|poll(?:s|ed|ster)?\b(?!\s+(?:place|location|site|worker))"
    r"|polling\b(?!\s+(?:place|location|site))|survey|will\s+(?:win|get|take)|expect(?:ed|ing)?\s+to|if\s+the\s+(?:numbers|results)|mock\s+caucus"
    r"|simulat\w+|prediction|model\s+says|my\s+(?:prediction|pick|bracket))",
    re.I)

# Markers of each state's contest; a post marked for another state and not for the
# election's home state is about another election.
_STATE_MARKERS = {
    "IA": re.compile(r"\biowa\b|#?ia\s*caucus|#iacaucus|#iowacaucus|\bidp\b|iowa\s*democrat|\bstory\s+county\b", re.I),
    "NV": re.compile(r"nevada\s*caucus|#?nvcaucus|#nevada|las\s+vegas|\breno\b|washoe|clark\s+county|\bclark\s*-\s*\d"
                     r"|\bNV\b|nvdems|\bnevada\b(?!\s+(?:\d|township|twp))", re.I),
    "NH": re.compile(r"new\s+hampshire|#?fitn\b", re.I),
    "SC": re.compile(r"south\s+carolina", re.I),
}
_NATIONAL = re.compile(r"super\s+tuesday", re.I)
# Markers of the other party's contest, by the party whose election is being counted.
_OTHER_PARTY = {
    "Democratic": re.compile(r"\b(?:GOP|republican\s+caucus|republicans?\b(?=.{0,40}caucus)|trump|weld|joe\s+walsh|RNC)\b",
                             re.I),
    "Republican": re.compile(r"\b(?:democratic\s+caucus|democrats?\b(?=.{0,40}caucus)|DNC|first\s+alignment"
                             r"|realignment|viability|viable)\b", re.I),
}

# Words that make a post's numbers second-hand or uncertain. One anywhere in a post holds
# every claim in it: "I think it was Warren 55 and Pete 48 … don't quote me" hedges both.
_HEDGE = re.compile(
    r"\b(?:should\s+(?:be|have|get)|there'?s\s+talk|talk\s+that|i\s+heard|heard\s+that|hearing\s+that|i'?m\s+hearing"
    r"|rumou?r(?:s|ed)?|unconfirmed|not\s+(?:yet\s+)?confirmed|hypothetical\w*|for\s+example|e\.g\."
    r"|if\s+(?:we|they|the)\b|would\s+(?:be|get|have)|could\s+(?:be|get)|might"
    r"|i\s+think|i\s+believe|i\s+guess|pretty\s+sure|not\s+(?:100\s*%\s+)?sure|don'?t\s+quote|do\s+not\s+quote"
    r"|if\s+i\s+(?:counted|heard|remember)|iirc|afaik|i\s+may\s+be\s+wrong|could\s+be\s+wrong|take\s+with"
    r"|grain\s+of\s+salt|second-?hand|supposedly|apparently|reportedly|allegedly|word\s+is|sounds\s+like"
    r"|(?:a\s+)?friend\s+(?:says|said|texted|told)|told\s+me|texted\s+me|someone\s+(?:says|said)|unofficially"
    r"|rough(?:ly)?\s+count|ballpark|probably|maybe|guessing|if\s+memory\s+serves|from\s+memory"
    r"|heard|miscount\w*|not\s+(?:yet\s+)?verified|unverified|per\s+a\s+(?:reader|friend|source|neighbou?r|text)"
    r"|(?:can|could)\s+(?:anyone|someone|somebody)\s+confirm|anyone\s+(?:there|confirm\w*)|from\s+a\s+text"
    r"|my\s+(?:mom|mum|dad|friend|wife|husband|sister|brother|cousin|neighbou?r|aunt|uncle)\b(?=.{0,40}\b(?:says|said|texted|told|who\s+was))"
    r"|someone\s+in\s+the\s+comments|in\s+the\s+comments\s+says|early\s+(?:word|numbers|returns?)|unofficial(?:ly)?)\b"
    # A count asked about rather than stated: "… Warren 22?"
    r"|\d\s*\?", re.I)


def aggregate_signal(text: str) -> re.Match[str] | None:
    return _AGG.search(text)


def other_signal(text: str, *, party: str = "Democratic", home_state: str = "IA") -> str | None:
    """Why a post cannot be a precinct result of this election (``party``'s caucuses in
    ``home_state``), or None."""
    if _PREDICT.search(text):
        return "prediction"
    home = _STATE_MARKERS.get(home_state)
    elsewhere = any(m.search(text) for st, m in _STATE_MARKERS.items() if st != home_state) or _NATIONAL.search(text)
    if elsewhere and not (home is not None and home.search(text)):
        return "other-election"
    other_party = _OTHER_PARTY.get(party)
    if other_party is not None and other_party.search(text):
        return "other-party"
    return None


def hedged(text: str) -> re.Match[str] | None:
    return _HEDGE.search(text)
