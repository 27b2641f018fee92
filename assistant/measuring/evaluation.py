"""`eval`: answer quality on a questions file (format of shared/eval/README.md) with reproducible figures."""

from __future__ import annotations

import re
import statistics
import time

from assistant.measuring.conditionalqa import MODES, guide_split, question_text, squash
from assistant.measuring.conditionalqa import load_jsonl as load_jsonl  # read from here by tests, verdict_fit
from assistant.models import AssistantError, plural

_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


def _squash(text: str) -> str:
    from assistant.text.normalise import normalise

    return " ".join(normalise(text).split())


def lead(answer_text: str) -> str:
    """The quoted part of an answer, without the '(As of DATE, per TITLE)' line from citation metadata."""
    return answer_text.split("\n\n(As of ", 1)[0]


def faithful(answer) -> bool:
    """Every figure in the answer's lead appears verbatim in one of its cited quotes."""
    quotes = " ".join(c.quote for c in answer.citations)
    return all(fig in quotes for fig in _FIGURE.findall(re.sub(r"\[\d+\]", "", lead(answer.text))))


def share(part: list, whole: list) -> float | None:
    return round(len(part) / len(whole), 3) if whole else None


def latency_figures(seconds: list[float]) -> dict:
    """Median and p95 in milliseconds of warm calls."""
    ms = sorted(1000 * t for t in seconds)
    return {
        "latency_ms_median": round(statistics.median(ms), 1) if ms else None,
        "latency_ms_p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1) if ms else None,
    }


def evaluate_questions(assistant, rows: list[dict]) -> dict:
    """Run every question; return per-question results and the summary metrics."""
    results, latencies = [], []
    assistant.search("warm up the model and the indexes", k=1)  # latency is measured warm
    for row in rows:
        if "question" not in row:
            raise AssistantError(f"question row {row.get('id', '?')} has no 'question' field")
        started = time.perf_counter()
        ans = assistant.ask(row["question"])
        latencies.append(time.perf_counter() - started)
        passages = [c.passage for c in ans.citations]
        passages += [h.passage for h in assistant.search(ans.rewritten_question or row["question"], k=3)]
        passages = list(dict.fromkeys(passages))
        evidence = _squash(row.get("evidence") or "")
        hits = [bool(evidence) and evidence in _squash(p) for p in passages[:3]]
        answerable = bool(row.get("answerable", True))
        correct = (
            answerable and not ans.abstained and all(m in ans.text for m in row.get("must_contain", []))
        ) or (not answerable and ans.abstained)
        results.append(
            {
                "id": row.get("id", ""),
                "answerable": answerable,
                "abstained": ans.abstained,
                "outcome": ans.outcome,
                "confidence": ans.confidence,
                "correct": correct,
                "hit@1": bool(hits[:1] and hits[0]),
                "hit@3": any(hits),
                "faithful": None if ans.abstained else faithful(ans),
                "answer": ans.text,
            }
        )
    answerable = [r for r in results if r["answerable"]]
    abstained = [r for r in results if r["abstained"]]
    unanswerable = [r for r in results if not r["answerable"]]
    answered = [r for r in results if r["faithful"] is not None]
    summary = {
        "questions": len(results),
        "answerable_correct": sum(r["correct"] for r in answerable),
        "answerable": len(answerable),
        "correct_with_evidence_top3": sum(r["correct"] and r["hit@3"] for r in answerable),
        "hit@1": share([r for r in answerable if r["hit@1"]], answerable),
        "hit@3": share([r for r in answerable if r["hit@3"]], answerable),
        "abstention_precision": share([r for r in abstained if not r["answerable"]], abstained),
        "abstention_recall": share([r for r in unanswerable if r["abstained"]], unanswerable),
        "unanswerable_hedged": sum(r["outcome"] == "closest" for r in unanswerable),
        "unanswerable_answered_unhedged": sum(r["outcome"] == "answer" for r in unanswerable),
        "answerable_hedged": sum(r["outcome"] == "closest" for r in answerable),
        "faithfulness": share([r for r in answered if r["faithful"]], answered),
    } | latency_figures(latencies)
    return {"summary": summary, "results": results}


def unindexed(assistant, rows: list[dict]) -> list[str]:
    """Ids of rows (questions or claims) whose evidence no indexed passage holds: the documents they were
    written for are not all ingested, and their figures would measure the corpus, not the assistant."""
    missing = []
    for row in rows:
        evidence = _squash(row.get("evidence") or "")
        if evidence and not any(evidence in _squash(h.passage) for h in assistant.search(evidence, k=5)):
            missing.append(str(row.get("id", "?")))
    return missing


def unindexed_warning(ids: list[str]) -> str:
    """One line naming the rows whose documents are missing, and what to do."""
    shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
    return (
        f"warning: the evidence of {plural(len(ids), 'row')} ({shown}) is in no indexed document: ingest "
        "the documents they were written for first (for ../shared/eval: --ingest ../shared/eval/corpus_extra)"
    )


def is_expected_figures(rows: list[dict]) -> bool:
    """Rows of a question and the text its answer must quote ("expect"), as tests/data/synthetic_chinese."""
    return bool(rows) and "expect" in rows[0] and "question" in rows[0]


def evaluate_expected(assistant, rows: list[dict]) -> dict:
    """Is the expected text in the first quote, in any quote; per group of questions (their language, and
    whether they were written after the rules they test: held_out, with its batch)."""
    from assistant.text.normalise import is_chinese

    assistant.search("warm up the model and the indexes", k=1)
    results, latencies = [], []
    for row in rows:
        started = time.perf_counter()
        ans = assistant.ask(row["question"])
        latencies.append(time.perf_counter() - started)
        quotes = [_squash(c.quote) for c in ans.citations]
        expect = _squash(row["expect"])  # NFKC, as the quotes were at ingest (30％ is 30%)
        group = "Chinese" if is_chinese(row["question"]) else "English"
        if row.get("held_out"):
            group += f", held out (batch {row.get('batch', 1)})"
        results.append({"question": row["question"], "group": group, "outcome": ans.outcome,
                        "first_quote": bool(quotes) and expect in quotes[0],
                        "any_quote": any(expect in q for q in quotes)})  # fmt: skip
    summary = {}
    for group in dict.fromkeys(r["group"] for r in results):
        mine = [r for r in results if r["group"] == group]
        summary[group] = {
            "questions": len(mine),
            "first_quote": share([r for r in mine if r["first_quote"]], mine),
            "any_quote": share([r for r in mine if r["any_quote"]], mine),
            "answered_unhedged": share([r for r in mine if r["outcome"] == "answer"], mine),
        }
    return {"summary": summary, "results": results} | {"latency": latency_figures(latencies)}


def format_expected(report: dict) -> str:
    lines = ["| question | outcome | first quote | any quote |", "|---|---|---|---|"]
    lines += [f"| {r['question']} | {r['outcome']} | {r['first_quote']} | {r['any_quote']} |"
              for r in report["results"]]  # fmt: skip
    lines += ["", "| questions | n | answer in first quote | in any quote | unhedged |", "|---" * 5 + "|"]
    lines += [f"| {g} | {v['questions']} | {v['first_quote']} | {v['any_quote']} | {v['answered_unhedged']} |"
              for g, v in report["summary"].items()]  # fmt: skip
    return "\n".join(lines)


def is_conditionalqa(rows: list[dict]) -> bool:
    """ConditionalQA rows carry evidences and not_answerable (and usually a scenario)."""
    return bool(rows) and "evidences" in rows[0] and "not_answerable" in rows[0]


def evaluate_conditionalqa(assistant, rows: list[dict], split: str | None = None) -> dict:
    """For the question alone and for situation + question: evidence cited (a citation's quote holds one
    of the evidence sentences, or lies inside one), answer span present, wrongful and right abstentions,
    hedged answers, latency. `split` keeps the guides of one training split (fit, tune, test)."""
    if split:
        rows = [r for r in rows if guide_split(r["url"]) == split]
    assistant.search("warm up the model and the indexes", k=1)
    summary, results = {}, []
    for mode in MODES:
        latencies, per = [], []
        for row in rows:
            started = time.perf_counter()
            ans = assistant.ask(question_text(row, mode))
            latencies.append(time.perf_counter() - started)
            evidences = [squash(e) for e in row.get("evidences", []) if e.strip()]
            quotes = [squash(c.quote) for c in ans.citations]
            cited = any(e in q or (len(q) >= 20 and q in e) for q in quotes for e in evidences)
            spans = [squash(a) for a in row.get("answers", []) if a.lower() not in ("yes", "no")]
            text = squash(ans.text)
            per.append({"id": row.get("id", ""), "mode": mode, "answerable": not row.get("not_answerable"),
                        "outcome": ans.outcome, "confidence": ans.confidence, "evidence_cited": cited,
                        "span": (any(a in text for a in spans) if spans else None)})  # fmt: skip
        ans_rows = [r for r in per if r["answerable"]]
        non = [r for r in per if not r["answerable"]]
        spans = [r for r in ans_rows if r["span"] is not None]
        summary[mode] = {
            "questions": len(per),
            "answerable": len(ans_rows),
            "not_answerable": len(non),
            "evidence_cited": share([r for r in ans_rows if r["evidence_cited"]], ans_rows),
            "answer_span_present": share([r for r in spans if r["span"]], spans),
            "answered": share([r for r in ans_rows if r["outcome"] == "answer"], ans_rows),
            "hedged": share([r for r in ans_rows if r["outcome"] == "closest"], ans_rows),
            "wrongful_abstentions": share([r for r in ans_rows if r["outcome"] == "none"], ans_rows),
            "right_abstentions": share([r for r in non if r["outcome"] == "none"], non),
        } | latency_figures(latencies)
        results += per
    return {"summary": summary, "results": results, "split": split or "all"}


def format_conditionalqa(report: dict) -> str:
    modes = list(report["summary"])
    lines = [f"ConditionalQA guides: {report['split']}", "", "| metric | " + " | ".join(modes) + " |",
             "|---" * (len(modes) + 1) + "|"]  # fmt: skip
    for key in report["summary"][modes[0]]:
        lines.append(f"| {key} | " + " | ".join(str(report["summary"][m][key]) for m in modes) + " |")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    s = report["summary"]
    lines = [
        "| id | answerable | outcome | confidence | correct | hit@1 | hit@3 | faithful |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['id']} | {r['answerable']} | {r['outcome']} | {r['confidence']} | {r['correct']} "
            f"| {r['hit@1']} | {r['hit@3']} "
            f"| {'' if r['faithful'] is None else r['faithful']} |"
        )
    lines += ["", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in s.items()]
    return "\n".join(lines)


def evaluate_claims(assistant, rows: list[dict]) -> dict:
    """Verdict accuracy per expected verdict, a confusion table, and warm check latency."""
    from assistant.reasoning.factcheck import VERDICTS

    assistant.search("warm up the model and the indexes", k=1)
    results, latencies = [], []
    confusion = {want: dict.fromkeys(VERDICTS, 0) for want in VERDICTS}
    for row in rows:
        if "claim" not in row or row.get("verdict") not in VERDICTS:
            raise AssistantError(f"claim row {row.get('id', '?')} needs 'claim' and a verdict in {VERDICTS}")
        started = time.perf_counter()
        v = assistant.check(row["claim"])
        latencies.append(time.perf_counter() - started)
        confusion[row["verdict"]][v.verdict] += 1
        evidence = _squash(row.get("evidence") or "")
        cited = any(evidence in _squash(c.passage) for c in v.citations) if evidence else None
        results.append({"id": row.get("id", ""), "expected": row["verdict"], "got": v.verdict,
                        "correct": v.verdict == row["verdict"], "evidence_cited": cited,
                        "explanation": v.explanation})  # fmt: skip
    per_verdict = {
        want: round(confusion[want][want] / n, 3) if (n := sum(confusion[want].values())) else None
        for want in VERDICTS
    }
    summary = {
        "claims": len(results),
        "correct": sum(r["correct"] for r in results),
        "accuracy": round(sum(r["correct"] for r in results) / len(results), 3) if results else None,
        "accuracy_per_verdict": per_verdict,
    } | latency_figures(latencies)
    return {"summary": summary, "confusion": confusion, "results": results}


def confusion_table(confusion: dict[str, dict[str, int]], corner: str) -> list[str]:
    """Markdown rows of a confusion table: expected verdicts down, verdicts given across."""
    verdicts = list(confusion)
    lines = [f"| {corner} | " + " | ".join(verdicts) + " |", "|---" * (len(verdicts) + 1) + "|"]
    return lines + [f"| {want} | " + " | ".join(str(row[g]) for g in verdicts) + " |"
                    for want, row in confusion.items()]  # fmt: skip


def format_claims(report: dict) -> str:
    lines = ["| id | expected | got | correct |", "|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['expected']} | {r['got']} | {r['correct']} |" for r in report["results"]]
    lines += ["", *confusion_table(report["confusion"], "expected \\ got")]
    lines += ["", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report["summary"].items()]
    return "\n".join(lines)
