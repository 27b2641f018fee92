"""HTML for the page: sources panel, verdict card, upload results. Every document string is escaped."""

from __future__ import annotations

from html import escape

from assistant.export import DRAFT_COLUMNS, PROSE_NOTE, draft_row, md_text
from assistant.models import (
    BRIEF_SECTIONS,
    Answer,
    Briefing,
    Citation,
    DraftCheck,
    Hit,
    RemovedSentence,
    Verdict,
    VerdictKind,
)

CSS = """
.pa-source { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.pa-source-head { font-size: 0.9em; color: #57606a; margin-bottom: 6px; }
.pa-source-head b { color: #1f2328; }
.pa-passage { white-space: pre-wrap; line-height: 1.45; }
.pa-passage mark { background: #fff3b0; padding: 0 1px; }
.pa-abstain { border: 2px dashed #bf8700; background: #fff8e5; border-radius: 8px; padding: 10px 12px; }
.pa-related { opacity: 0.85; }
.pa-subject { color: #57606a; font-style: italic; }  /* what a quote is about, added by us */
.pa-verdict { border-radius: 8px; padding: 10px 14px; font-size: 1.05em; margin-bottom: 8px; }
.pa-supported { background: #dafbe1; border: 2px solid #1a7f37; }
.pa-contradicted { background: #ffebe9; border: 2px solid #cf222e; }
.pa-not_found { background: #f6f8fa; border: 2px solid #8c959f; }
.pa-out_of_date { background: #fff8c5; border: 2px solid #9a6700; }
.pa-disputed { background: #fbefff; border: 2px solid #8250df; }
.pa-empty { color: #57606a; font-style: italic; }
.pa-prose, .pa-note { font-size: 0.9em; color: #57606a; margin-bottom: 6px; }
.pa-removed { font-size: 0.9em; margin-bottom: 8px; }
.pa-draft-text { white-space: pre-wrap; line-height: 1.5; margin: 8px 0; }
.pa-mark { border-radius: 3px; padding: 0 2px; }
.pa-mark.pa-supported { background: #dafbe1; border: none; }
.pa-mark.pa-contradicted { background: #ffebe9; border: none; text-decoration: underline wavy #cf222e; }
.pa-mark.pa-not_found { background: #f6f8fa; border: none; }
.pa-mark.pa-out_of_date { background: #fff8c5; border: none; text-decoration: line-through #9a6700; }
.pa-mark.pa-disputed { background: #fbefff; border: none; text-decoration: underline dotted #8250df; }
.pa-draft-table td { vertical-align: top; font-size: 0.9em; }
"""

VERDICT_WORDS: dict[VerdictKind, str] = {
    "supported": "✔ Supported by the corpus",
    "contradicted": "✘ Contradicted by the corpus",
    "not_found": "? Not in the corpus",
    "out_of_date": "⏱ Out of date: a later rule replaced it",
    "disputed": "⚖ Disputed: the sources differ",
}


def chat_text(text: str) -> str:
    """An answer for the chat window: shown literally (no HTML, no Markdown from documents)."""
    return md_text(text)


def _head(n: int | None, title: str, date: str, source: str, doc_id: str, page: int = 0) -> str:
    marker = f"[{n}] " if n else ""
    bits = [escape(x) for x in (date or "no date", source or "no source")]
    if page:
        bits.append(f"p. {page}")
    return (
        f'<div class="pa-source-head">{marker}<b class="pa-title">{escape(title or doc_id)}</b> · '
        f"{' · '.join(bits)} · <code>{escape(doc_id)}</code></div>"
    )


def citation_html(c: Citation) -> str:
    """One cited passage with the quoted sentence highlighted (offsets are in document coordinates)."""
    a = max(0, c.quote_start - c.start)
    b = min(len(c.passage), c.quote_end - c.start)
    added = f'<i class="pa-subject">[{escape(c.subject)}]</i> ' if c.subject else ""  # not part of the quote
    body = f"{escape(c.passage[:a])}{added}<mark>{escape(c.passage[a:b])}</mark>{escape(c.passage[b:])}"
    head = _head(c.n, c.title, c.date, c.source, c.doc_id, c.page)
    return f'<div class="pa-source" id="pa-source-{c.n}">{head}<div class="pa-passage">{body}</div></div>'


def related_html(hits: list[Hit], label: str) -> str:
    if not hits:
        return ""
    items = "".join(
        f'<div class="pa-source pa-related">{_head(None, h.title, h.date, h.source, h.doc_id)}'
        f'<div class="pa-passage">{escape(h.passage)}</div></div>'
        for h in hits
    )
    return f'<div class="pa-related-list"><p><b>{escape(label)}</b></p>{items}</div>'


def removed_label(n: int) -> str:
    return f"{n} sentence{'s' if n > 1 else ''} removed by the check (each with its reason)"


def prose_html(generated: bool, note: str, removed: list[RemovedSentence]) -> str:
    """What the prose check did: that the text is a model's, why it was not used, what it removed."""
    parts = [f'<div class="pa-prose">{escape(PROSE_NOTE)}</div>'] if generated else []
    if note:
        parts.append(f'<div class="pa-note">{escape(note)}</div>')
    if removed:
        items = "".join(f"<li>{escape(r.sentence)} <i>({escape(r.reason)})</i></li>" for r in removed)
        parts.append(f'<details class="pa-removed"><summary>{removed_label(len(removed))}</summary>'
                     f"<ul>{items}</ul></details>")  # fmt: skip
    return "".join(parts)


def sources_html(answer: Answer) -> str:
    """The sources panel for an answer: its citations, or its related passages when it abstains."""
    confidence = prose_html(answer.mode == "generated", answer.note, answer.removed) + (
        f'<div class="pa-confidence">Confidence that the quoted passage answers this: '
        f"{answer.confidence:.2f}</div>"
    )
    if answer.abstained:
        return (
            f'<div class="pa-abstain"><b>{escape(answer.text)}</b></div>'
            + confidence
            + related_html(answer.related, "Related, not an answer:")
        )
    return confidence + "".join(citation_html(c) for c in answer.citations)


def _how(verdict: Verdict) -> str:
    """' confidence 0.86, by the figures' (or the model): how far to trust the verdict, and why it holds."""
    if not verdict.decided_by:
        return ""
    how = f"confidence {verdict.confidence:.2f}, by the {escape(verdict.decided_by)}"
    basis = f' title="confidence {escape(verdict.basis, quote=True)}"' if verdict.basis else ""
    return f' <span class="pa-how"{basis}>{how}</span>'


def verdict_html(verdict: Verdict) -> str:
    kind = verdict.verdict
    card = (
        f'<div class="pa-verdict pa-{kind}" data-verdict="{kind}">'
        f"<b>{VERDICT_WORDS[kind]}</b>{_how(verdict)}<br>{escape(verdict.explanation)}</div>"
    )
    evidence = "".join(citation_html(c) for c in verdict.citations)
    return card + evidence + related_html(verdict.related, "Related, not evidence:")


def draft_html(report: DraftCheck) -> str:
    """A checked draft: its text with each checked sentence marked by verdict, then the table."""
    summary = f'<p class="pa-draft-summary">{escape(report.summary())}</p>'
    body, at = [], 0
    for item in report.sentences:
        body.append(escape(report.text[at : item.start]))
        text = escape(report.text[item.start : item.end])
        if item.verdict:
            kind = item.verdict.verdict
            tip = VERDICT_WORDS[kind]
            body.append(f'<span class="pa-mark pa-{kind}" data-verdict="{kind}" title="{tip}">{text}</span>')
        else:
            body.append(text)
        at = item.end
    body.append(escape(report.text[at:]))
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(x)}</td>" for x in (item.sentence, *draft_row(item))) + "</tr>"
        for item in report.checked
    )
    head = "".join(f"<th>{h}</th>" for h in DRAFT_COLUMNS)
    table = f'<table class="pa-draft-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return f'<div class="pa-draft">{summary}<div class="pa-draft-text">{"".join(body)}</div>{table}</div>'


def briefing_html(briefing: Briefing) -> str:
    """A briefing: quoted bullets by section with their citation numbers, then the cited passages."""
    if not briefing.items:
        return empty("The corpus has nothing on this topic.")
    parts = []
    for kind, heading in BRIEF_SECTIONS.items():
        items = [it for it in briefing.items if it.kind == kind]
        if not items:
            continue
        bullets = "".join(
            f'<li class="pa-brief-{kind}">'
            + (f'<i class="pa-subject">[{escape(it.subject)}]</i> ' if it.subject else "")
            + f"{escape(it.quote)} {''.join(f'[{n}]' for n in it.citations)}"
            + (f" <i>({escape(it.when)})</i>" if kind == "event" and it.when else "")
            + (f' <i class="pa-about">(from: {escape(it.about)})</i>' if it.about else "")
            + (f' <b class="pa-conflict">Sources differ: {escape(it.conflict)}.</b>' if it.conflict else "")
            + "</li>"
            for it in items
        )
        parts.append(f"<h4>{heading}</h4><ul>{bullets}</ul>")
    top = f'<h4>Summary</h4><p class="pa-summary">{escape(briefing.summary)}</p>' if briefing.summary else ""
    top += prose_html(bool(briefing.summary), briefing.note, briefing.summary_removed)
    parts.insert(0, top)
    sources = "".join(citation_html(c) for c in briefing.citations)
    return f'<div class="pa-briefing">{"".join(parts)}<h4>Sources</h4>{sources}</div>'


def empty(text: str) -> str:
    return f'<div class="pa-empty">{escape(text)}</div>'


def upload_html(rows: list[tuple[str, str, str]]) -> str:
    """Per-file upload results: (file name, status, reason)."""
    if not rows:
        return empty("No files uploaded.")
    body = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(status)}</td><td>{escape(reason)}</td></tr>"
        for name, status, reason in rows
    )
    return f'<table class="pa-upload"><tr><th>file</th><th>result</th><th>reason</th></tr>{body}</table>'
