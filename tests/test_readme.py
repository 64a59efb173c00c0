"""The README's two commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    """Exactly two shell blocks; .ci/run contains the second (the test command) verbatim."""
    commands = readme_commands()
    assert len(commands) == 2
    install_and_run, tests = commands
    assert "pip install ." in install_and_run and "shadowtally" in install_and_run
    assert "'.[test]'" in tests and "pytest" in tests
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines


def test_every_command_is_documented() -> None:
    """Each top-level CLI command has help text and is named in the README."""
    from shadowtally.app import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        assert f"shadowtally {name}" in readme, f"`shadowtally {name}` is not in the README"
