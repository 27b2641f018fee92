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
    assert "Maple Bay" in listed.stdout or "1 document," in listed.stdout, listed.stdout
    assert "1 document, 1 chunk" in run_cli("--index", index, "list").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "--generate", "How many firms?"], "no language model configured: give --llm-url"),
        (
            ["--llm-url", "ftp://example.org", "ask", "--generate", "How many?"],
            "must be an http:// or https://",
        ),
        (["ask", "x", "--llm-url", "http://127.0.0.1:9/v1", "--llm-gguf", "m.gguf"], "give either llm_url"),
        (["--llm-gguf", "/nonexistent/m.gguf", "ask", "--generate", "How many?"], "no such model file"),
        (["brief", "--generate", "ports"], "no language model configured"),
    ],
)
def test_language_model_settings_are_checked_before_any_work(tmp_path, args, message):
    result = run_cli("--index", str(tmp_path / "index"), *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_eval_names_the_rows_whose_documents_are_not_indexed(fake_embedder):
    from assistant import Assistant
    from assistant.measuring.evaluation import unindexed, unindexed_warning

    a = Assistant(embedder=fake_embedder)
    a.ingest([DATA / "synthetic_zone_notice.md"])
    rows = [
        {"id": "here", "evidence": "approved 37 green bond pilots  in 2023"},  # spacing differs: still found
        {"id": "gone", "evidence": "Harbor City approved 12 container berths"},
        {"id": "none", "evidence": None},
    ]
    assert unindexed(a, rows) == ["gone"]
    assert "1 row (gone)" in unindexed_warning(["gone"]) and "--ingest" in unindexed_warning(["gone"])
