"""The command line: the ``shadowtally`` group and one module per area under ``commands/``
(see :mod:`shadowtally.cli.main`; :mod:`shadowtally.app` is the entry point)."""
