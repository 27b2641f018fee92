"""`lab bench --prose`: prose answers with a real model on this machine: time to the model's first token, to
the first checked sentence and to the full answer, and the share of model sentences the check keeps, over
the answerable questions of an eval set (`../shared/eval/qa.jsonl` over corpus/ and corpus_extra/)."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"


class Timed:
    """A TextModel that notes when its first piece arrives (wraps the configured one)."""

    def __init__(self, model):
        self.model = model
        self.context_window = model.context_window
        self.first_piece_at: float | None = None

    def stream(self, system: str, user: str) -> Iterator[str]:
        self.first_piece_at = None
        for piece in self.model.stream(system, user):
            if self.first_piece_at is None:
                self.first_piece_at = time.perf_counter()
            yield piece


def run(gguf: Path, eval_dir: Path = DEFAULT_EVAL) -> dict:
    from assistant.core import Assistant

    rows = [
        json.loads(x) for x in (eval_dir / "qa.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    questions = [r["question"] for r in rows if r.get("answerable")]
    with tempfile.TemporaryDirectory(prefix="policy-prose-bench-") as tmp:
        a = Assistant(index_dir=Path(tmp) / "index", llm_gguf=gguf)
        a.ingest([ROOT / "corpus", eval_dir / "corpus_extra"])
        timed = Timed(a.text_model)
        a.text_model = timed
        a.ask(questions[0], generate=True)  # warm: model loaded, server started (not timed)
        per: list[dict] = []
        for q in questions:
            t0 = time.perf_counter()
            first_kept = None
            final = None
            for step in a.ask_stream(q, generate=True):
                if step.kind == "kept" and first_kept is None:
                    first_kept = time.perf_counter() - t0
                if step.answer is not None:
                    final = step.answer
            total = time.perf_counter() - t0
            per.append({
                "question": q,
                "outcome": final.outcome,
                "asked_model": timed.first_piece_at is not None,
                "first_token_s": round(timed.first_piece_at - t0, 3) if timed.first_piece_at else None,
                "first_sentence_s": round(first_kept, 3) if first_kept else None,
                "total_s": round(total, 3),
                "kept": _count_kept(final) if final.mode == "generated" else 0,
                "removed": len(final.removed),
                "mode": final.mode,
                "note": final.note,
            })  # fmt: skip
            timed.first_piece_at = None
            print(f"[prose-bench] {q[:60]}: {per[-1]['mode']}, kept {per[-1]['kept']}, "
                  f"removed {per[-1]['removed']}, {total:.2f} s", file=sys.stderr, flush=True)  # fmt: skip
    asked = [p for p in per if p["asked_model"]]
    kept, removed = sum(p["kept"] for p in per), sum(p["removed"] for p in per)
    return {
        "model": gguf.name,
        "questions": len(questions),
        "asked_model": len(asked),
        "generated_answers": sum(p["mode"] == "generated" for p in per),
        "sentences_kept": kept,
        "sentences_removed": removed,
        "kept_share": round(kept / (kept + removed), 3) if kept + removed else None,
        "first_token_median_s": _median([p["first_token_s"] for p in asked]),
        "full_answer_median_s": _median([p["total_s"] for p in asked]),
        "per_question": per,
    }


def _count_kept(answer) -> int:
    from assistant.generation.writer import split_sentences

    return len(split_sentences(answer.text))


def _median(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def to_markdown(r: dict, machine: str) -> str:
    lines = [
        f"Machine: {machine}",
        f"Run: `policy-assistant lab bench --prose`, model {r['model']} served by xllamacpp on 127.0.0.1",
        "",
        "| measure | value |",
        "|---|---|",
        f"| answerable questions (qa.jsonl) | {r['questions']} |",
        f"| model asked (the selector answered confidently) | {r['asked_model']} |",
        f"| answers shown as checked prose | {r['generated_answers']} |",
        f"| model sentences kept / removed | {r['sentences_kept']} / {r['sentences_removed']} |",
        f"| share kept | {r['kept_share']} |",
        f"| time to first token, median s | {r['first_token_median_s']} |",
        f"| time to the full checked answer, median s | {r['full_answer_median_s']} |",
        "",
        "| question | prose? | kept | removed | first token s | full s | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in r["per_question"]:
        lines.append(
            f"| {p['question']} | {p['mode'] == 'generated'} | {p['kept']} | {p['removed']} "
            f"| {p['first_token_s']} | {p['total_s']} | {p['note']} |"
        )
    return "\n".join(lines) + "\n"


def draft_run(eval_dir: Path = DEFAULT_EVAL, words: int = 2000) -> dict:
    """`lab bench --drafts`: a draft of about `words` words (the corpus's own articles, so most sentences are
    check-worthy) checked by `check_text`, warm (model loaded, nothing of the draft cached)."""
    from assistant.core import Assistant

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    texts += [
        p.read_text(encoding="utf-8") for p in sorted((eval_dir / "corpus_extra").iterdir()) if p.is_file()
    ]
    draft, count = [], 0
    for paragraph in "\n\n".join(texts).split("\n\n"):
        if count >= words:
            break
        draft.append(paragraph)
        count += len(paragraph.split())
    text = "\n\n".join(draft)
    with tempfile.TemporaryDirectory(prefix="policy-draft-bench-") as tmp:
        a = Assistant(index_dir=Path(tmp) / "index")
        a.ingest([ROOT / "corpus", eval_dir / "corpus_extra"])
        a.check("Beijing set up 2,500 foreign-funded enterprises in 2024.")  # warm: the model is loaded
        started = time.perf_counter()
        report = a.check_text(text)
        seconds = time.perf_counter() - started
    return {"words": len(text.split()), "sentences": len(report.sentences), "checked": len(report.checked),
            "seconds": round(seconds, 2), "counts": report.counts()}  # fmt: skip


def drafts_markdown(r: dict, machine: str) -> str:
    """The table of `lab bench --drafts` (a result of `draft_run`)."""
    return (
        f"Machine: {machine}\nRun: `policy-assistant lab bench --drafts`\n\n| measure | time |\n|---|---|\n"
        f"| draft of {r['words']:,} words, {r['sentences']} sentences, {r['checked']} checked "
        f"| {r['seconds']} s warm |\n"
    )
