"""``python -m shadowtally``: the same as the ``shadowtally`` command."""

from shadowtally.app import main

main()
