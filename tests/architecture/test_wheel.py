"""The distribution installs one top-level package, ``shadowtally``, with its data files.

Case: the wheel once added nine generic packages (``store``, ``parsers``, ``web`` ...) to
site-packages, where they collide with anything else a user has installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_only_the_shadowtally_package(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("shadowtally-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"shadowtally"}
    # Every part is inside, with the data the program reads at run time.
    for part in ("cli", "services", "web", "collectors", "store", "simulator", "parsers", "reconcile", "elections",
                 "replay"):
        assert f"shadowtally/{part}/__init__.py" in names, part
    assert "shadowtally/elections/data/iowa-2020/precincts.csv" in names
    assert "shadowtally/web/static/index.html" in names or any(n.startswith("shadowtally/web/static/") for n in names)
    assert any(n.endswith(".dist-info/entry_points.txt") for n in names)
