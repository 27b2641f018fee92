"""Markdown export of a conversation or a fact-check, with citations: the start of a briefing.

Document text is untrusted: HTML in it is escaped so a Markdown viewer shows it as text.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from assistant.models import BRIEF_SECTIONS, Answer, Briefing, Citation, DraftCheck, DraftSentence, Verdict

_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?=@)")


PROSE_NOTE = "Written by a language model; each sentence was checked against the passage it cites."


def md_text(text: str) -> str:
    """Text safe to paste into Markdown: HTML escaped, link, image and emphasis syntax neutralised, and
    the spots where GitHub-flavoured Markdown would autolink a bare address (``://``, ``www.``, ``@``)
    broken with a backslash escape, which renders as nothing. Citation markers stay escaped too: a
    Markdown viewer shows ``\\[1\\]`` as [1], and no document text can turn into a link."""
    escaped = html.escape(text, quote=False)
    for ch in "\\`*_[]!#|":
        escaped = escaped.replace(ch, "\\" + ch)
    return _AUTOLINK.sub("\\\\", escaped)


def _quoted(c: Citation) -> str:
    """A cited quote as a Markdown block quote, after its subject (added by us, in italics) where it names
    none."""
    added = f"_\\[{md_text(c.subject)}\\]_ " if c.subject else ""
    return added + md_text(c.quote).replace("\n", "\n    > ")


def _source_line(c: Citation) -> str:
    bits = [f"*{md_text(c.title)}*"] if c.title else []
    bits += [md_text(x) for x in (c.date, c.source) if x]
    bits.append(
        f"{md_text(c.doc_id)}, characters {c.quote_start}-{c.quote_end}"
    )  # escapes would show in a code span
    return ", ".join(bits)


def answer_markdown(question: str, answer: Answer) -> str:
    lines = [f"### Q: {md_text(question)}", ""]
    if answer.rewritten_question:
        lines += [f"_Understood as: {md_text(answer.rewritten_question)}_", ""]
    lines += [md_text(answer.text), ""]
    if answer.mode == "generated":
        lines += [f"_{PROSE_NOTE}_", ""]
    if answer.note:
        lines += [f"_{md_text(answer.note)}_", ""]
    for r in answer.removed:
        lines.append(f"- removed: {md_text(r.sentence)} ({md_text(r.reason)})")
    lines += ["" if answer.removed else None, f"_Confidence: {answer.confidence:.2f}_", ""]
    lines = [x for x in lines if x is not None]
    if answer.abstained:
        if answer.related:
            lines.append("Related passages (not an answer):")
            lines += [
                f"- *{md_text(h.title)}* ({md_text(h.date)}): {md_text(h.passage[:300])}"
                for h in answer.related
            ]
            lines.append("")
        return "\n".join(lines)
    lines.append("Sources:")
    for c in answer.citations:
        lines.append(f"{c.n}. {_source_line(c)}")
        lines.append(f"    > {_quoted(c)}")
    lines.append("")
    return "\n".join(lines)


def verdict_markdown(verdict: Verdict) -> str:
    lines = [f"### Claim: {md_text(verdict.claim)}", "", f"**{verdict.verdict.replace('_', ' ')}**: "
             + md_text(verdict.explanation), ""]  # fmt: skip
    for c in verdict.citations:
        lines.append(f"{c.n}. {_source_line(c)}")
        lines.append(f"    > {_quoted(c)}")
    return "\n".join(lines) + "\n"


def briefing_markdown(briefing: Briefing) -> str:
    """A briefing note: quoted bullets with their citation numbers, by section, then the sources."""
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    out = [
        f"# Briefing: {md_text(briefing.topic)}",
        "",
        f"_Exported {stamp}; each bullet quoted verbatim._",
        "",
    ]
    if not briefing.items:
        return "\n".join(out + ["The corpus has nothing on this topic.", ""])
    if briefing.summary:
        out += ["## Summary", "", md_text(briefing.summary), "", f"_{PROSE_NOTE}_", ""]
    if briefing.note:
        out += [f"_{md_text(briefing.note)}_", ""]
    for r in briefing.summary_removed:
        out.append(f"- removed from the summary: {md_text(r.sentence)} ({md_text(r.reason)})")
    if briefing.summary_removed:
        out.append("")
    for kind, heading in BRIEF_SECTIONS.items():
        items = [it for it in briefing.items if it.kind == kind]
        if not items:
            continue
        out += [f"## {heading}", ""]
        for it in items:
            marks = "".join(f"\\[{n}\\]" for n in it.citations)
            when = f" ({md_text(it.when)})" if it.when and kind == "event" else ""
            flag = f" **Sources differ:** {md_text(it.conflict)}." if it.conflict else ""
            about = f" _(from: {md_text(it.about)})_" if it.about else ""
            added = f"_\\[{md_text(it.subject)}\\]_ " if it.subject else ""  # said by us, not quoted
            out.append(f"- {added}{md_text(it.quote)} {marks}{when}{about}{flag}")
        out.append("")
    out += ["## Sources", ""]
    for c in briefing.citations:
        out.append(f"{c.n}. {_source_line(c)}")
    return "\n".join(out) + "\n"


def conversation_markdown(
    turns: list[tuple[str, Answer | Verdict]], title: str = "Policy Assistant briefing"
) -> str:
    """A whole session as one Markdown document, questions and claims in order."""
    out = [f"# {md_text(title)}", "", f"_Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}_", ""]
    for question, item in turns:
        out.append(verdict_markdown(item) if isinstance(item, Verdict) else answer_markdown(question, item))
    return "\n".join(out)


DRAFT_COLUMNS = ("sentence", "verdict", "the draft says", "the source says", "citation")
DRAFT_MARKS = {"supported": "✔ supported", "contradicted": "✘ contradicted", "not_found": "? not found",
               "out_of_date": "⏱ out of date", "disputed": "⚖ disputed"}  # fmt: skip


def draft_row(item: DraftSentence) -> tuple[str, str, str, str]:
    """(verdict, the claim's figure, the source's figure, citation) for one checked sentence."""
    v = item.verdict
    part = next((p for p in v.parts if p.status == v.verdict), v.parts[0] if v.parts else None)
    cited = {c.n: c for c in v.citations}
    c = cited.get(part.n) if part and part.n else (v.citations[0] if v.citations else None)
    citation = f"{c.title} ({c.date or 'no date'}): {c.shown}" if c else ""
    said = part.evidence if part else ""
    if part and part.also:  # a change's other value, or another source's figure
        said = "; ".join([said, *(f"{o.figure} [{o.n}]" for o in part.also)])
    return DRAFT_MARKS[v.verdict], part.figure if part else "", said, citation


def draft_markdown(report: DraftCheck) -> str:
    """The draft with each checked sentence marked, then one table row per checked sentence."""
    out = [
        "# Draft check",
        "",
        f"_{report.summary()}_",
        "",
        "## The draft",
        "",
    ]
    marked, at = [], 0
    for item in report.sentences:
        marked.append(md_text(report.text[at : item.start]))
        body = md_text(report.text[item.start : item.end])
        marked.append(f"**\\[{DRAFT_MARKS[item.verdict.verdict]}\\]** {body}" if item.verdict else body)
        at = item.end
    marked.append(md_text(report.text[at:]))
    out += ["".join(marked).strip(), "", "## Checked sentences", "", "| " + " | ".join(DRAFT_COLUMNS) + " |",
            "|---|---|---|---|---|"]  # fmt: skip
    for item in report.checked:
        cells = (item.sentence, *draft_row(item))
        out.append("| " + " | ".join(md_text(x).replace("|", "\\|").replace("\n", " ") for x in cells) + " |")
    return "\n".join(out) + "\n"
