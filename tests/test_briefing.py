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
    passages = [(c.doc_id, c.start) for c in briefing.citations]
    assert len(passages) == len(set(passages))  # the sources list cites each passage once
    for item in briefing.items:
        assert item.quote in by_n[item.citations[0]].passage  # the bullet is a sentence of its first source
        for n in item.citations:  # the others say the same (near-duplicates), each quoted exactly
            c = by_n[n]
            assert c.passage[c.quote_start - c.start : c.quote_end - c.start] == c.quote
    for kind in {it.kind for it in briefing.items}:  # one passage's bullets of a section in reading order
        section = [it for it in briefing.items if it.kind == kind]
        for n in {it.citations[0] for it in section}:
            c = by_n[n]
            at = [c.passage.index(it.quote) for it in section if it.citations[0] == n]
            assert at == sorted(at), (kind, c.doc_id)


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
    capital = next(it for it in briefing.items if "41.7 billion" in it.quote)  # it never says whose
    assert capital.subject == "Harbor City" and "- _\\[Harbor City\\]_ Actual use" in note
    assert not next(it for it in briefing.items if "2,012" in it.quote).subject  # it names Beijing
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
