"""Markdown export: citations kept, document text inert (no HTML, no Markdown links or images)."""

from __future__ import annotations

from assistant.export import conversation_markdown, md_text
from assistant.models import Answer, Citation, Hit, Verdict

HOSTILE = "Synthetic <script>alert(1)</script> ![x](http://evil.example/x.png) [click](http://evil.example)"


def citation(n=1):
    return Citation(
        n=n, doc_id="d/synthetic.txt", chunk_id="c", title="Synthetic <b>Title</b>", date="2024-01-02",
        source="synthetic.example", passage=HOSTILE, start=0, end=len(HOSTILE), quote=HOSTILE,
        quote_start=0, quote_end=len(HOSTILE),
    )  # fmt: skip


def test_md_text_is_inert():
    out = md_text(HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "![" not in out and "](" not in out.replace("\\](", "")


def test_conversation_export_keeps_citations_and_escapes():
    answer = Answer(question="q", text=f"{HOSTILE} [1]", abstained=False, citations=[citation()])
    related = [Hit(doc_id="d", chunk_id="c", score=0.1, passage=HOSTILE, start=0, end=5)]
    abstained = Answer(question="u", text="The corpus does not answer this.", abstained=True, related=related)
    explanation = "The corpus says 4 [1], not 5."
    verdict = Verdict(
        claim="Synthetic 5", verdict="contradicted", explanation=explanation, citations=[citation()]
    )
    md = conversation_markdown([("How many?", answer), ("Unknown?", abstained), ("claim", verdict)])
    assert "### Q: How many?" in md and "[1]" in md and "2024-01-02" in md and "d/synthetic.txt" in md
    assert "Related passages (not an answer)" in md and "**contradicted**" in md
    assert "<script>" not in md and "<b>" not in md and "![x](" not in md
