"""The application: the ``shadowtally`` command, with every shell's commands in one group.

The top floor. It puts the web shell's ``serve`` beside the ``cli`` commands, so the two
shells never import each other; the console script ``shadowtally`` runs :func:`main`.
"""

from __future__ import annotations

import sys

from shadowtally.cli.main import cli
from shadowtally.web.command import serve

cli.add_command(serve)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="shadowtally")
