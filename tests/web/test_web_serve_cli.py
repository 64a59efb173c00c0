"""``shadowtally serve``: one response with --get, errors that say what to do, and a real process on a free port."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from web_helpers import Night

from shadowtally.app import cli


def test_get_prints_one_response(night: Night) -> None:
    """Smoke case: --get /api/summary prints the summary JSON to stdout and exits 0."""
    out = CliRunner().invoke(cli, ["serve", "--db", night.url, "--get", "/api/summary"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["coverage"]["precincts_posted"] == 3


def test_get_on_a_missing_store_exits_1_with_the_hint(tmp_path: Path) -> None:
    """Missing store case: the 503 body (error and next step) is printed, and the exit status is 1."""
    out = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db"), "--get", "/api/summary"])
    assert out.exit_code == 1
    assert "shadowtally demo" in json.loads(out.stdout)["hint"] and "HTTP 503" in out.stderr


def test_port_in_use_is_a_clear_error(sqlite_night: Night) -> None:
    """Bad parameter case: a port somebody else holds is refused with a next step, not a traceback."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        out = CliRunner().invoke(cli, ["serve", "--db", sqlite_night.url, "--port", str(port)])
    assert out.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "--port" in out.stderr


def test_unknown_election_is_refused(sqlite_night: Night) -> None:
    """Bad parameter case: an election that is not bundled exits 1 before anything listens."""
    out = CliRunner().invoke(cli, ["serve", "--db", sqlite_night.url, "--election", "atlantis-2020", "--get", "/"])
    assert out.exit_code == 1 and "shadowtally elections" in out.stderr


def _as_from_a_shell() -> None:
    """Ctrl-C as a terminal delivers it: SIGINT handled and not blocked. A child inherits an
    ignored or blocked SIGINT from its parent, and the test runner's state, after the whole
    suite, left the child deaf to it (seen in full runs only)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_serve_runs_as_a_process_until_interrupted(sqlite_night: Night) -> None:
    """Normal case: the command listens, says where, serves the page, and stops cleanly on Ctrl-C."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from shadowtally.app import main; main()", "serve", "--db", sqlite_night.url,
         "--port", "0"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, preexec_fn=_as_from_a_shell)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        # Drain the rest of stderr as it comes: a child writing more than a pipe holds would
        # block on the write and never see the interrupt.
        rest: list[str] = []
        drain = threading.Thread(target=lambda: rest.extend(proc.stderr), daemon=True)
        drain.start()
        with urllib.request.urlopen(match.group(0) + "api/summary", timeout=20) as resp:
            assert json.loads(resp.read())["coverage"]["precincts_posted"] == 3
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("serve did not stop on Ctrl-C; it wrote:\n" + "".join(rest)[-3000:]) from None
        drain.join(timeout=5)
        assert code == 0, "".join(rest)[-3000:]
        assert "Stopped." in "".join(rest)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
