"""Every command answers --help (commands are discovered, so new ones are covered too)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from germinate.cli import build_parser, main


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_known_commands_are_discovered() -> None:
    assert {"validate", "init", "server"} <= set(subcommands())


def test_top_level_help_lists_every_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "germinate.cli", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in subcommands():
        assert name in proc.stdout


@pytest.mark.parametrize("command", subcommands())
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: germinate {command}" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: germinate" in capsys.readouterr().out


def test_unusable_germinate_home_is_one_clear_error(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("GERMINATE_HOME", str(blocker / "home"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert main(["ticket", "list", "--repo", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "cannot use" in err and "GERMINATE_HOME" in err and "Traceback" not in err


HEAVY = ("sqlalchemy", "prefect", "litellm", "germinate.store")
PROBE = """
import sys
from germinate.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("argv", [["--help"], ["validate", "examples/target"], ["run", "--help"],
                                  ["status", "--help"], ["webhook", "serve", "--help"]])
def test_quick_commands_import_no_heavy_library(argv: list[str]) -> None:
    """`germinate --help` and `validate` stay fast: no store, SQLAlchemy, Prefect or litellm at import."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv], capture_output=True,
                          text=True, timeout=60, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1:] in ([], [""]), f"imported: {proc.stderr}"
