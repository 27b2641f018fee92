"""The reader: the shipped cross-encoder (real ONNX file), its errors, and how the fact-checker acts on it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.models import AssistantError, Citation, Verdict
from assistant.reader.edits import direction_flips, negation_toggles
from assistant.reader.model import DEFAULT_DIR, OnnxReader, Reading
from assistant.reader.pairs import encode_pairs, load_tokenizer
from assistant.reasoning.factcheck import FactChecker

# Written for this test, never fitted on: a sentence, its direction flipped, and it negated.
SENTENCE = "The council increased its grant for rural bus routes to 4.2 million pounds in 2023."
FLIPPED = "The council decreased its grant for rural bus routes to 4.2 million pounds in 2023."
NEGATED = "The council did not increase its grant for rural bus routes to 4.2 million pounds in 2023."
OTHER = "The museum opens at ten o'clock on Sundays and closes at four."


@pytest.fixture(scope="module")
def reader():
    return OnnxReader()


def test_reads_direction_and_negation(reader):
    r = reader.read(SENTENCE, [SENTENCE, FLIPPED, NEGATED])
    supports, contradicts = r.of("supports"), r.of("contradicts")
    assert supports[0] > supports[1] and supports[0] > supports[2], r
    assert contradicts[1] > contradicts[0] and contradicts[2] > contradicts[0], r
    # And the other way round: the claim flipped against the source sentence.
    back = reader.read(FLIPPED, [SENTENCE])
    assert back.of("contradicts")[0] > back.of("supports")[0]


def test_relevance_tells_an_answer_from_another_topic(reader):
    r = reader.read("How much did the council give rural bus routes in 2023?", [SENTENCE, OTHER])
    assert r.relevance[0] > 0.5 > r.relevance[1], r.relevance


def test_same_input_same_scores(reader):
    a = reader.read(SENTENCE, [FLIPPED, OTHER])
    b = OnnxReader().read(SENTENCE, [FLIPPED, OTHER])
    assert np.array_equal(a.entail, b.entail) and np.array_equal(a.relevance, b.relevance)
    assert np.allclose(a.entail.sum(axis=1), 1.0)


def test_thresholds_ship_with_the_model(reader):
    from assistant.reasoning.selection import model_path, selector_key

    t = reader.thresholds
    assert 0 < t["doubt"] <= t["contradicts"] <= 1.01
    # The answer selector's reread stage was fitted with this reader for the shipped selector file: a
    # selector refitted alone would answer without the reader (refit the reader after it).
    stage = reader.reread(selector_key(model_path("encoded")))
    assert stage is not None and stage["top"] >= 1 and 0 <= stage["closest_at"] <= stage["answer_at"] <= 1


def test_long_query_keeps_its_end_and_the_sentence():
    tok = load_tokenizer(DEFAULT_DIR / "tokenizer.json")
    long_query = "word " * 400 + "final question"
    ids, mask, types = encode_pairs(tok, [long_query], [SENTENCE])
    assert ids.shape[1] <= 128 and mask.sum() == ids.shape[1]
    text = tok.decode(ids[0].tolist())
    assert "final question" in text and "rural bus routes" in text
    assert types[0].sum() > 0


def test_missing_model_is_one_clear_error(tmp_path):
    with pytest.raises(AssistantError, match=r"reader model .*missing reader\.onnx"):
        OnnxReader(tmp_path).read("a claim", ["a sentence"])


def test_damaged_model_is_one_clear_error(tmp_path):
    for name in ("tokenizer.json", "reader.json"):
        shutil.copyfile(DEFAULT_DIR / name, tmp_path / name)
    (tmp_path / "reader.onnx").write_bytes(b"not a model" * 100)
    with pytest.raises(AssistantError, match="damaged") as err:
        OnnxReader(tmp_path).read("a claim", ["a sentence"])
    assert "\n" not in str(err.value)


class _Fixed:
    """A reader that gives the claim one P(contradicts) and every turned version of it another (unit tests
    of what the checker does with a reading)."""

    thresholds = {"contradicts": 0.9, "doubt": 0.6}

    def __init__(self, claim: float, turned: float = 0.0):
        self.claim, self.turned = claim, turned

    def read_pairs(self, queries, sentences):
        p = np.array([self.claim if q in CLAIMS else self.turned for q in queries])
        rest = (1 - p) / 2
        return Reading(np.full(len(p), 0.9), np.stack([rest, rest, p], axis=1))


TURNABLE, PLAIN = "Funding rose to 5 million.", "Funding reached 5 million."
CLAIMS = (TURNABLE, PLAIN)


def _supported(claim: str, by: str = "figures") -> Verdict:
    c = Citation(1, "d", "d#0", "Title", "2025-01-01", "src", "Passage.", 0, 8, "Passage.", 0, 8)
    return Verdict(claim, "supported", "The corpus states this [1].", [c], confidence=0.67, decided_by=by)


@pytest.mark.parametrize(
    ("claim", "p", "turned", "by", "verdict"),
    [
        (TURNABLE, 0.95, 0.1, "figures", "contradicted"),  # sure, and "fell" fits the sentence better
        (TURNABLE, 0.7, 0.1, "figures", "not_found"),  # leans that way, "fell" fits better: withdrawn
        (TURNABLE, 0.7, 0.6, "figures", "supported"),  # the turned claim fits no better
        (TURNABLE, 0.3, 0.0, "figures", "supported"),
        (PLAIN, 0.95, 0.0, "model", "not_found"),  # nothing to turn: withdrawn when sure, never contradicted
        (PLAIN, 0.95, 0.0, "figures", "supported"),  # ... unless the figure rules decided it: theirs
        (PLAIN, 0.7, 0.0, "model", "supported"),
    ],
)
def test_checker_acts_on_the_reading(claim, p, turned, by, verdict):
    checker = FactChecker(keyword=None, reader=_Fixed(p, turned))
    got = checker.read(_supported(claim, by), hits=[])
    assert got.verdict == verdict
    if verdict != "supported":
        assert got.decided_by == "reader" and "Passage." in got.explanation
        # Every [n] of an explanation has its citation: a withdrawn support cites nothing.
        assert ("[1]" in got.explanation) == bool(got.citations)


def test_checker_leaves_other_verdicts_alone():
    checker = FactChecker(keyword=None, reader=_Fixed(0.99))
    v = Verdict("A claim.", "not_found", "nothing")
    assert checker.read(v, hits=[]) is v


def test_turned_claims():
    assert "Funding fell to 5 million." in direction_flips(TURNABLE)
    assert direction_flips(PLAIN) == [] and negation_toggles(PLAIN) == []
    assert negation_toggles("The fund is open to firms.") == ["The fund is not open to firms."]
    assert "比上一年减少57家" in direction_flips("比上一年增加57家")
