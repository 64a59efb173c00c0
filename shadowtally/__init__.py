"""ShadowTally's application shell: settings, the command line, and later the scheduler and web app.

The pure core lives beside it in ``parsers`` (text in, claims out) and ``reconcile``
(caucus math and comparison); effects live in ``collectors`` and ``store``.
"""

__version__ = "0.1.0"
