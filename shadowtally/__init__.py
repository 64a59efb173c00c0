"""ShadowTally: an independent, unofficial caucus count built from public posts.

One namespace holds the whole program. The repository keeps one top-level folder per
part (``collectors/``, ``parsers/``, ``store/``, ...); the wheel maps each of them into
this package (``shadowtally.collectors``, ``shadowtally.parsers``, ...), so the installed
distribution provides ``shadowtally`` and nothing else.

The layers, lowest first (a module imports only from its own layer or below):

    shadowtally.errors                         the ground floor: errors a user can act on
    elections, parsers, reconcile, replay      the pure core: no database, network or clock
    store, collectors, simulator               effects: the database, the network, the clock
    services                                   what the command line and the page both serve,
                                               and the runtime that wires the effects together
    cli, web                                   the two shells; neither imports the other
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.2.0"

# In a source checkout the sibling folders are this package's subpackages, as they are in
# the wheel (pyproject maps them with package-dir). Adding the checkout's root to
# ``__path__`` makes ``shadowtally.parsers`` resolve to ``<root>/parsers`` here too, so a
# checkout, an editable install and the wheel all import one way.
_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "collectors" / "__init__.py").is_file():
    __path__.append(str(_ROOT))
