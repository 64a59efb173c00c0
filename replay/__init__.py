"""The caucus-night replay: a deterministic, seeded scenario of posts and releases, with its truth.

    >>> from replay import generate, ScenarioConfig
    >>> s = generate(ScenarioConfig(seed=1))
    >>> s.expected("62pct").gaps  # posted units the 62% release lacks  # doctest: +SKIP

Pure: no clock, network or database. :mod:`replay.clock` maps scenario time to an
accelerated wall clock; the simulator and CLI (elsewhere) serve and drive it.
"""

from shadowtally.replay.clock import NIGHT_END, NIGHT_START, ReplayClock, accelerate, default_clock
from shadowtally.replay.scenario import POST_END, POST_START, Injection, Scenario, ScenarioConfig, generate, to_jsonl
from shadowtally.replay.truth import AuthorInfo, Discrepancy, ExpectedRecon, GeneratedPost, PostTruth, TruthClaim

__all__ = [
    "AuthorInfo", "Discrepancy", "ExpectedRecon", "GeneratedPost", "Injection", "NIGHT_END", "NIGHT_START",
    "POST_END", "POST_START", "PostTruth", "ReplayClock", "Scenario", "ScenarioConfig", "TruthClaim",
    "accelerate", "default_clock", "generate", "to_jsonl",
]
