"""Rule packs: one module per election, each exposing ``PACK``.

Adding a state or a cycle means adding one module here (``iowa2024.py`` with a
``PACK``); :func:`get_pack` finds it by the election's ``rule_pack`` name
(``iowa-2020`` → ``reconcile.rulepacks.iowa2020``).
"""

from __future__ import annotations

import importlib

from shadowtally.reconcile.rulepacks.base import RulePack

__all__ = ["RulePack", "get_pack"]


def get_pack(name: str) -> RulePack:
    """The rule pack called ``name`` (``iowa-2020``, ``nevada-2020``); LookupError if none."""
    module_name = name.replace("-", "").replace("_", "").lower()
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        raise LookupError(f"no rule pack {name!r}") from exc
    pack = getattr(module, "PACK", None)
    if not isinstance(pack, RulePack):
        raise LookupError(f"module {module.__name__} has no PACK")
    return pack
