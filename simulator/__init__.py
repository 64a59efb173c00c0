"""A local stand-in for the services ShadowTally polls on caucus night.

It speaks the subset of each protocol the collectors use: X API v2 (timelines, lists,
recent search, users by name; pagination, ``since_id``, ``newest_id``, rate-limit
headers and 429s), Mastodon- and Bluesky-style RSS (ETag, Last-Modified, the Bluesky
handle -> DID redirect), an Atom county site, and official releases in three layouts.
A :class:`~simulator.scenario.Scenario` says what appears when, on an accelerated
clock; :class:`~simulator.server.Faults` injects the failures the collectors must survive.

    python -m shadowtally.simulator --accounts 20 --posts 500 --speed 60
"""

from shadowtally.simulator.scenario import Scenario, SimClock, SimPost, SimRelease
from shadowtally.simulator.server import Fault, Faults, SimServer

__all__ = ["Scenario", "SimClock", "SimPost", "SimRelease", "SimServer", "Fault", "Faults"]
