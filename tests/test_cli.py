"""The command line: global options before or after the command, the lab apart from the product, one line
per problem. Called in-process (`run_main`); one slow test runs the installed entry point."""

from __future__ import annotations

import json
import re

import pytest
from helpers import DATA, run_cli, run_main

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


def test_global_options_after_a_lab_command_move_before_the_lab():
    assert hoist_global_options(["lab", "eval", "x.jsonl", "--index", "/x"]) == [
        "--index", "/x", "lab", "eval", "x.jsonl"]  # fmt: skip
    assert hoist_global_options(["--embed-backend", "onnx-int8", "lab", "bench", "--out", "b.md", "-v"]) == [
        "--embed-backend", "onnx-int8", "-v", "lab", "bench", "--out", "b.md"]  # fmt: skip


def test_the_lab_commands_are_under_lab_only():
    def commands(help_text: str) -> set[str]:
        return set(re.findall(r"^│ ([a-z][\w-]*)  ", help_text, re.M))  # the Commands box's first column

    top = run_main("--help")
    assert top.returncode == 0, top.stderr
    product = {"ingest", "list", "remove", "search", "ask", "check", "brief", "serve", "chat"}
    assert commands(top.stdout) == product | {"lab"}, top.stdout
    lab = run_main("lab", "--help")
    assert lab.returncode == 0, lab.stderr
    assert commands(lab.stdout) == {"eval", "bench", "train-answerer", "train-support", "train-verdicts",
                                    "train-chinese", "train-reader", "train-confidence",
                                    "build-lexicon"}, lab.stdout  # fmt: skip
    gone = run_main("eval", "x.jsonl")
    assert (gone.returncode, gone.stderr.strip()) == (
        2,
        "error: No such command 'eval'. (see `policy-assistant --help`)",
    )


def test_the_printer_writes_the_table_and_shows_json_or_the_table(tmp_path, capsys):
    from assistant.interfaces.common import emit

    emit({"城市": "北京", "n": 1}, "| a |\n", as_json=True, out=tmp_path / "t.md")
    assert json.loads(capsys.readouterr().out) == {"城市": "北京", "n": 1}
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == "| a |\n"
    emit({"n": 1}, "| a |", as_json=False)
    assert capsys.readouterr().out == "| a |\n"


def test_a_lab_command_takes_the_global_options_before_or_after_it(tmp_path):
    from assistant.interfaces.common import state

    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    index = tmp_path / "i"
    for args in (["lab", "eval", str(bad), "--index", str(index), "-v"],
                 ["--index", str(index), "-v", "lab", "eval", str(bad)]):  # fmt: skip
        result = run_main(*args)
        assert (result.returncode, result.stderr.strip()) == (
            2,
            f"error: {bad}:1: not JSON (Expecting value)",
        )
        assert state["overrides"]["index_dir"] == index and state["verbose"] == 1


def test_each_call_of_main_starts_a_fresh_session():
    from assistant.interfaces.common import state

    state.update(assistant=object(), overrides={"index_dir": "/elsewhere"}, verbose=2)
    assert run_main("lab", "--help").returncode == 0
    assert state["assistant"] is None and state["verbose"] == 0 and not any(state["overrides"].values())


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
    result = run_main("--index", str(tmp_path / "index"), *args)
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


def test_build_lexicon_reads_a_wordnet_folder_or_says_what_is_wrong(tmp_path):
    from assistant.measuring.lexicon_build import build

    bad = run_main("lab", "build-lexicon", "--wordnet", str(tmp_path))
    assert bad.returncode == 2 and "not a WordNet dict folder" in bad.stderr, bad.stderr
    verb = [  # a few synsets in WordNet's data.verb layout: offset, file, pos, words, pointers | gloss
        "00153263 30 v 01 increase 0 002 ~ 00000001 v 0000 ~ 00000004 v 0000 | make bigger or more",
        "00156601 30 v 01 increase 0 000 | become bigger or greater in amount",
        "00441445 30 v 01 decrease 0 001 ~ 00000002 v 0000 | make smaller",
        "00151689 30 v 01 decrease 0 000 | decrease in size",
        "00000001 30 v 01 boost 0 002 ~ 00000003 v 0000 + 00000009 n 0101 | increase or raise",
        "00000002 30 v 02 cut_back 0 cut 0 000 | cut down on; make a reduction in",
        "00000003 30 v 01 button 0 000 | provide with buttons",  # two steps down, no change in its gloss
        "00000004 30 v 01 full 0 000 | increase in phase",  # mostly an adjective
    ]
    (tmp_path / "data.verb").write_text("  licence header\n" + "\n".join(verb) + "\n", encoding="latin-1")
    (tmp_path / "data.noun").write_text("00000009 04 n 01 boost 0 000 | an increase in amount\n")
    senses = ["increase%2:30:00:: 00153263 1 5", "boost%2:30:00:: 00000001 1 3",
              "cut%2:35:00:: 00000007 1 50", "cut%2:30:00:: 00000002 2 9", "button%2:35:00:: 00000003 1 1",
              "full%2:30:00:: 00000004 1 0",
              "full%3:00:00:: 00000005 1 90", "decrease%2:30:00:: 00441445 1 4"]  # fmt: skip
    (tmp_path / "index.sense").write_text("\n".join(senses) + "\n")
    (tmp_path / "verb.exc").write_text("cut cut\n")
    lexicon = build(tmp_path)
    assert {"boost", "boosted", "boosts", "increased"} <= set(lexicon["up"])
    assert {"cut", "cutting", "cut back", "slash", "scaled back", "decreased"} <= set(lexicon["down"])
    assert not {"button", "full"} & set(lexicon["up"])
    out = run_main("lab", "build-lexicon", "--wordnet", str(tmp_path), "--out", str(tmp_path / "d.json"))
    assert out.returncode == 0 and json.loads((tmp_path / "d.json").read_text())["up"] == lexicon["up"]
    # CC-CEDICT lines (traditional simplified [pinyin] /senses/), read through the English lexicon above
    cedict = tmp_path / "cedict.txt"
    cedict.write_text("\n".join([
        "# CC-CEDICT header", "增加 增加 [zeng1 jia1] /to boost/to increase/",
        "削減 削减 [xue1 jian3] /to cut back/to decrease; to lower/",
        "牧羊 牧羊 [mu4 yang2] /to boost sheep numbers/shepherd/",  # one sense, with more than its verb
        "調整 调整 [tiao2 zheng3] /to adjust/to revise/",
        "增 增 [zeng1] /to boost/to increase/",  # one character
    ]) + "\n", encoding="utf-8")  # fmt: skip
    both = run_main("lab", "build-lexicon", "--wordnet", str(tmp_path), "--cedict", str(cedict),
                    "--out", str(tmp_path / "d.json"))  # fmt: skip
    written = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert both.returncode == 0 and (written["chinese_up"], written["chinese_down"]) == (["增加"], ["削减"])
    assert "CC-CEDICT" in written["chinese_licence"] and "ShareAlike" in written["chinese_licence"]
    (tmp_path / "empty.txt").write_text("nothing here\n")
    empty = str(tmp_path / "empty.txt")
    none = run_main("lab", "build-lexicon", "--wordnet", str(tmp_path), "--cedict", empty,
                    "--out", str(tmp_path / "e.json"))  # fmt: skip
    assert none.returncode == 2 and "not a CC-CEDICT file" in none.stderr, none.stderr
