"""`bench --cmrc`: Chinese retrieval and answers on CMRC 2018's trial set (1,002 questions written by people
over 256 Chinese Wikipedia paragraphs, CC BY-SA 4.0; ../shared/train/cmrc2018/README.md).

Each paragraph becomes a document; every question is searched (is its paragraph in the top 5?) and asked
(does the first quote, or any quote, of the answer hold one of the gold answer spans?). Answers and quotes
are compared after the same NFKC normalisation the ingest applies (full-width ， and （ become , and ().
Figures are given for all questions and for the paragraphs held out by `held_out` (30% by a hash of the
paragraph's name), the ones no choice was made on.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "train" / "cmrc2018" / "cmrc2018_trial.json"


_MEASURES = ("hit@5", "span_in_first_quote", "span_in_any_quote")


@dataclass
class Question:
    text: str
    paragraph: str  # the document name, p000.txt ...
    answers: list[str]


def held_out(paragraph: str) -> bool:
    return int(hashlib.sha1(paragraph.encode()).hexdigest(), 16) % 10 < 3


def load(path: Path) -> tuple[dict[str, str], list[Question]]:
    """(paragraph name -> text, questions) in file order; questions without text are skipped. A paragraph's
    text starts with its article's title on a line of its own, as a document's heading: questions name the
    article's subject, which its sentences often leave out."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    paragraphs: dict[str, str] = {}
    questions = []
    for article in data["data"]:
        title = " ".join(str(article.get("title") or "").split())
        for p in article["paragraphs"]:
            name = f"p{len(paragraphs):03d}.txt"
            paragraphs[name] = f"{title}\n\n{p['context']}" if title else p["context"]
            questions += [Question(q["question"], name, [a["text"] for a in q["answers"]])
                          for q in p["qas"] if q["question"].strip()]  # fmt: skip
    return paragraphs, questions


def ensure_indexed(assistant, paragraphs: dict[str, str], work: Path) -> None:
    """The paragraphs as documents of the index; unchanged ones are skipped, changed ones replaced."""
    docs = work / "cmrc-paragraphs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in paragraphs.items():
        (docs / name).write_text(text, encoding="utf-8")
    assistant.ingest([docs], progress=True)


def evaluate(assistant, questions: list[Question]) -> dict:
    from assistant.text.normalise import normalise

    assistant.search("热身", k=1)
    rows = []
    started = time.perf_counter()
    for q in questions:
        hits = assistant.search(q.text, k=5)
        answer = assistant.ask(q.text)
        gold = [normalise(a) for a in q.answers]
        quotes = [normalise(c.quote) for c in answer.citations]
        rows.append({
            "held_out": held_out(q.paragraph),
            "hit@5": any(Path(h.doc_id).name == q.paragraph for h in hits),
            "span_in_first_quote": bool(quotes) and any(g in quotes[0] for g in gold),
            "span_in_any_quote": any(g in x for x in quotes for g in gold),
        })  # fmt: skip
    seconds = time.perf_counter() - started

    def figures(part: list[dict]) -> dict:
        n = len(part) or 1
        return {"questions": len(part)} | {k: round(sum(r[k] for r in part) / n, 3) for k in _MEASURES}

    return {
        "all": figures(rows),
        "held_out_paragraphs": figures([r for r in rows if r["held_out"]]),
        "ms_per_question": round(1000 * seconds / max(1, len(rows)), 1),
        "embedder": assistant.embedder.name,
    }


def to_markdown(result: dict, machine: str) -> str:
    lines = [f"Machine: {machine}", f"Embedder: {result['embedder']}", "",
             "| questions | n | paragraph in top 5 | answer span in first quote | in any quote |",
             "|---|---|---|---|---|"]  # fmt: skip
    for name in ("all", "held_out_paragraphs"):
        f = result[name]
        lines.append(f"| {name.replace('_', ' ')} | {f['questions']} | "
                     + " | ".join(str(f[k]) for k in _MEASURES) + " |")  # fmt: skip
    lines.append(f"\nSearch + ask: {result['ms_per_question']} ms per question.")
    return "\n".join(lines)
