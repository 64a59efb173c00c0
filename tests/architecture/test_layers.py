"""The layers of the house, checked on every module's imports (read with ast, nothing imported).

    0  shadowtally.errors, shadowtally.settings      the ground floor
    1  elections, parsers, reconcile, replay          the pure core: no database, network or clock
    2  store, collectors, simulator                   effects
    3  services                                       what both shells serve; the runtime
    4  cli, web                                       the shells; neither imports the other
    5  shadowtally.app                                the application: one command group for both shells

A module may import its own layer or lower ones. Cases: an upward import (store importing
the shell, as it once did for its errors), a shell importing the other shell (web once took
its export rows from a click command), and the pure core importing a database, network or
scheduler library.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYER = {"errors": 0, "settings": 0, "elections": 1, "parsers": 1, "reconcile": 1, "replay": 1,
         "store": 2, "collectors": 2, "simulator": 2, "services": 3, "cli": 4, "web": 4, "app": 5, "__main__": 5}
FOLDERS = ("elections", "parsers", "reconcile", "replay", "store", "collectors", "simulator", "services", "cli", "web")
# Libraries that reach the database, the network, or run jobs on a clock.
EFFECT_LIBS = {"sqlalchemy", "sqlmodel", "psycopg", "requests", "tweepy", "feedparser", "apscheduler", "socket",
               "http", "urllib3", "websockets"}


def _modules() -> list[tuple[str, Path]]:
    out = [(p.stem, p) for p in (ROOT / "shadowtally").glob("*.py") if p.stem != "__init__"]
    for folder in FOLDERS:
        out += [(folder, p) for p in (ROOT / folder).rglob("*.py")]
    return out


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "shadowtally":
                names += [f"shadowtally.{a.name}" for a in node.names]
            else:
                names.append(node.module)
    return names


def _part(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "shadowtally" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYER else None


def test_every_module_imports_only_its_own_layer_or_below() -> None:
    wrong = []
    for part, path in _modules():
        for name in _imports(path):
            target = _part(name)
            if target is None:
                continue
            if LAYER[target] > LAYER[part] or {part, target} == {"cli", "web"}:
                wrong.append(f"{path.relative_to(ROOT)} ({part}) imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_pure_core_touches_no_database_network_or_scheduler() -> None:
    wrong = []
    for part, path in _modules():
        if LAYER[part] != 1:
            continue
        for name in _imports(path):
            if name.split(".")[0] in EFFECT_LIBS:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_code_imports_the_namespace_never_a_bare_top_level_folder() -> None:
    """A checkout has the folders on sys.path too; `import store` would load a second copy of the module."""
    wrong = []
    for _part_name, path in _modules() + [("tests", p) for p in (ROOT / "tests").rglob("*.py")] \
            + [("benchmarks", p) for p in (ROOT / "benchmarks").glob("*.py")]:
        for name in _imports(path):
            if name.split(".")[0] in FOLDERS:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)
