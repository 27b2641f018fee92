"""Briefings: every bullet a verbatim, cited quote; duplicates merged, disagreeing figures flagged,
filters respected. Real model, real Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CORPUS, EVAL_EXTRA, run_cli

from assistant import Assistant
from assistant.export import briefing_markdown

pytestmark = pytest.mark.slow


def verbatim(briefing) -> None:
    by_n = {c.n: c for c in briefing.citations}
    assert sorted(by_n) == list(range(1, len(by_n) + 1))
    for item in briefing.items:
        assert by_n[item.citations[0]].quote == item.quote  # the bullet is its first source's sentence
        for n in item.citations:  # the others say the same (near-duplicates), each quoted exactly
            c = by_n[n]
            assert c.passage[c.quote_start - c.start : c.quote_end - c.start] == c.quote


@pytest.mark.skipif(not EVAL_EXTRA.is_dir(), reason="../shared/eval is not beside this checkout (CI has it)")
def test_a_briefing_quotes_and_cites_every_bullet_and_keeps_to_the_filters(tmp_path, real_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([CORPUS, EVAL_EXTRA])
    briefing = a.brief("foreign investment in Beijing")
    verbatim(briefing)
    figures = " ".join(it.quote for it in briefing.items if it.kind == "figure")
    assert "2,012" in figures and "16.4%" in figures
    note = briefing_markdown(briefing)
    assert "## Headline figures" in note and "\\[1\\]" in note and "## Sources" in note
    # The topic names Beijing: other places' sentences follow under "Elsewhere", each with its document.
    by_n = {c.n: c for c in briefing.citations}
    for item in briefing.items:
        beijing = all("beijing" in by_n[n].doc_id for n in item.citations)
        assert (item.kind != "elsewhere") == beijing, item
    harbor = next(it for it in briefing.items if "3,480" in it.quote)
    assert harbor.kind == "elsewhere" and harbor.about.startswith("Harbor City") and not harbor.conflict
    assert "## Elsewhere" in note and "(from: Harbor City" in note
    harbor_note = a.brief("foreign investment in Harbor City")  # "the city" of Beijing's article is not it
    assert all(it.kind == "elsewhere" for it in harbor_note.items if "Beijing" in it.quote), harbor_note.items

    other = a.brief("foreign investment in Beijing", filters={"source": ["gov.riverside.example"]})
    verbatim(other)
    assert other.items and {c.source for c in other.citations} == {"gov.riverside.example"}

    out = tmp_path / "note.md"
    done = run_cli(
        "--index", str(tmp_path / "index"), "brief", "foreign investment in Beijing", "--out", str(out)
    )
    assert done.returncode == 0 and "2,012" in out.read_text(encoding="utf-8"), done.stderr


def test_the_same_statement_is_one_bullet_and_different_figures_are_flagged(tmp_path, real_embedder):
    folder = tmp_path / "notices"
    folder.mkdir()
    texts = {
        "a.txt": "The Quillmoor harbour office issued 58 harbour permits in 2024.",
        "b.txt": "The Quillmoor harbour office issued 61 harbour permits in 2024.",
        "c.txt": "The Quillmoor harbour office issued 58 harbour permits in 2024.",
    }
    for name, sentence in texts.items():
        Path(folder / name).write_text(
            f"Synthetic Quillmoor Notice {name}\n\nSYNTHETIC TEST DOCUMENT: a fictional place.\n\n"
            f"{sentence}\n",
            encoding="utf-8",
        )
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([folder])
    briefing = a.brief("harbour permits issued by the Quillmoor office")
    verbatim(briefing)
    permits = [it for it in briefing.items if "harbour permits" in it.quote]
    assert len(permits) == 2, permits  # 58 (twice, merged) and 61
    merged = next(it for it in permits if "58" in it.quote)
    single = next(it for it in permits if "61" in it.quote)
    assert len(merged.citations) == 2 and len(single.citations) == 1
    assert "61" in merged.conflict and "58" in single.conflict
