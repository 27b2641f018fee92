"""Markdown export: citations kept, document text inert (no HTML, no Markdown links or images)."""

from __future__ import annotations

import re

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
    assert "### Q: How many?" in md and "\\[1\\]" in md and "2024-01-02" in md and "d/synthetic.txt" in md
    assert "Related passages (not an answer)" in md and "**contradicted**" in md
    assert "<script>" not in md and "<b>" not in md and "![x](" not in md


def test_link_syntax_in_documents_never_becomes_a_link():
    from markdown_it import MarkdownIt

    inject = ("77 permits [2](https://example.org/x) and [1](javascript:alert(1)), posted at "
              "https://example.org/bare, www.example.org and permits@example.org")  # fmt: skip
    cited = Citation(n=1, doc_id="d", chunk_id="c", title="t", date="", source="", passage=inject, start=0,
                     end=len(inject), quote=inject, quote_start=0, quote_end=len(inject))  # fmt: skip
    answer = Answer(question="q", text=f"{inject} [1]", abstained=False, citations=[cited])
    verdict = Verdict(claim="78 permits", verdict="contradicted", explanation=f"{inject} [1]",
                      citations=[cited])  # fmt: skip
    md = conversation_markdown([("How many permits?", answer), ("claim", verdict)])
    rendered = MarkdownIt("commonmark").render(md)
    assert "<a " not in rendered and "[2](https:" in rendered and "77 permits" in rendered
    assert "[1]</p>" in rendered  # the citation marker still reads as [1]
    # Nothing left for a linkifying viewer (GitHub) to turn into a link: each spot carries an escape.
    assert not re.search(r"[a-z]://|www\.|[^\\]@", md)


def test_a_quotes_added_subject_is_marked_as_ours_not_quoted():
    from dataclasses import replace

    from assistant.export import briefing_markdown
    from assistant.models import Briefing, BriefItem

    quote = "Actual use of foreign capital reached 41.7 billion yuan."
    c = replace(citation(), quote=quote, subject="Harbor City <i>")
    assert c.shown == "[Harbor City <i>] “Actual use of foreign capital reached 41.7 billion yuan.”"
    v = Verdict(claim="x", verdict="supported", explanation="The corpus says so [1].", citations=[c])
    md = conversation_markdown([("claim", v)])
    assert f"> _\\[Harbor City &lt;i&gt;\\]_ {md_text(quote)}" in md
    note = briefing_markdown(Briefing(topic="t", citations=[c], items=[
        BriefItem(kind="figure", quote=quote, citations=[1], subject="Harbor City")]))  # fmt: skip
    assert f"- _\\[Harbor City\\]_ {md_text(quote)} \\[1\\]" in note
    assert "[Harbor City]" not in replace(c, subject="").shown
