"""The command line: one module per area under ``commands/``; see :mod:`shadowtally.cli.main`."""

from shadowtally.cli.main import main

__all__ = ["main"]
