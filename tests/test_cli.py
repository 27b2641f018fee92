"""The command line: global options before or after the command."""

from __future__ import annotations

import pytest
from helpers import DATA, run_cli

from assistant.interfaces.cli import hoist_global_options


def test_global_options_after_the_command_move_before_it():
    assert hoist_global_options(["ingest", "corpus", "--index", "/tmp/x"]) == [
        "--index",
        "/tmp/x",
        "ingest",
        "corpus",
    ]
    assert hoist_global_options(["-v", "ask", "How many?", "--index=/x", "-vv", "--json"]) == [
        "-v", "--index=/x", "-vv", "ask", "How many?", "--json"]  # fmt: skip
    assert hoist_global_options(["--index", "/x", "list"]) == ["--index", "/x", "list"]
    assert hoist_global_options(["ask", "--", "--index"]) == ["ask", "--", "--index"]  # after --: an argument
    assert hoist_global_options(["--help"]) == ["--help"]


@pytest.mark.slow
def test_index_option_works_after_the_command(tmp_path):
    index = str(tmp_path / "index")
    added = run_cli("ingest", str(DATA / "synthetic_zone_notice.md"), "--index", index)
    assert added.returncode == 0, added.stderr
    listed = run_cli("list", "--index", index)
    assert "Maple Bay" in listed.stdout or "1 documents" in listed.stdout, listed.stdout
    assert "1 documents" in run_cli("--index", index, "list").stdout
