"""The word lists, each in one place: stop words, question words, months, number words and ordinals.
General English, not fitted to any question."""

from __future__ import annotations

STOP_WORDS = frozenset(
    "a an and are as at be been but by for from has have had he her his i if in into is it its of on or "
    "our she so such than that the their them then there these they this those to was we were what when "
    "where which while who whom why will with would you your do does did can could should may might shall "
    "about over under more most less also any all each other some own same not no nor only very just".split()
)
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how am is are was were do does did can could may must should "
    "has have and the a an in on for by of to tell give list show".split()
)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
NUMBER_VALUES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100,
    "a dozen": 12, "dozen": 12, "a thousand": 1000,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip
SCALE_WORDS = ("thousand", "million", "billion", "trillion")
# Single words that state a count or an amount.
NUMBER_WORDS = frozenset(w for w in NUMBER_VALUES if " " not in w) | set(SCALE_WORDS) | {"half"}
# Polarity and direction, for reading whether two sentences about one thing say the same or the opposite.
# Stems (matched at a word's start) so "increases", "increased" and "increasing" count alike.
NEGATIONS = frozenset(
    "not no never none neither nor without cannot lack lacks lacking lacked absent absence fail fails failed "
    "failing unable nothing".split()
)
DIRECTION_UP = (
    "increas", "rais", "rise", "rises", "rising", "rose", "elevat", "higher", "greater", "enhanc", "promot",
    "induc", "activat", "improv", "upregulat", "up-regulat", "stimulat", "accelerat", "augment", "boost",
    "exacerbat", "gain", "more", "larger", "longer", "expan", "amplif", "potentiat", "strengthen",
)  # fmt: skip
DIRECTION_DOWN = (
    "decreas", "reduc", "lower", "less", "fewer", "declin", "diminish", "inhibit", "suppress", "impair",
    "imped", "attenuat", "downregulat", "down-regulat", "block", "prevent", "loss", "lose", "drop", "fall",
    "fell", "smaller", "shorter", "weaken", "abolish", "abrogat", "depriv", "deplet", "slow", "limit",
)  # fmt: skip
# Chinese measure words: after a figure they make it a count of something (127家, 15个, 3项, 12米).
CHINESE_MEASURE_WORDS = "家个项件名人条所座批次种类户台辆套位间处笔米"
# Chinese words for a change up or down, right before its figure (同比增长16.4%, 下降了3.7%).
# Verbs that set a rule's figure anew without saying which way ("adjusted to", 调整为): with a word of change
# going up or down (the direction lexicon), they mark a change to the value after them.
CHANGE_VERBS = ("adjusted", "changed", "revised", "amended", "set", "reset", "updated")
CHINESE_CHANGE_VERBS = ("调整", "修改", "变更", "缩短", "延长", "上调", "下调")
CHINESE_UP = ("增长", "增加", "上升", "提高", "上涨", "提升", "增")
CHINESE_DOWN = ("下降", "减少", "下滑", "回落", "降低", "下跌", "减", "负增长")
# Words of change said of figures beside the direction stems above ("grew 6.8%", "up 3 pp").
FIGURE_CHANGE = {"grew": 1, "grow": 1, "grows": 1, "growth": 1, "up": 1, "down": -1}
# After a figure, a comparison gives its direction ("6.5 points above"); before one, a bound ("above 95%").
FIGURE_COMPARED = {"above": 1, "below": -1}
# Words that make the figure after them a level, not a change ("rose to 4%", 增长至).
LEVEL_WORDS = frozenset({"to", "from", "at", "reach", "reached", "reaching", "hit", "stood"})
# Chinese question words (a closed class of the grammar; matched longest first) and what they ask for.
CHINESE_QUESTION_WORDS = {
    "什么时候": "date", "什么时间": "date", "哪一年": "date", "哪年": "date", "何时": "date",
    "多少": "number", "多大": "number", "多长": "number", "多高": "number", "多久": "number", "几": "number",
    "谁": "name",
    "哪些": "other", "哪里": "other", "哪儿": "other", "哪个": "other", "哪": "other", "什么": "other",
    "为什么": "other", "为何": "other", "怎么": "other", "怎样": "other", "如何": "other", "何": "other",
}  # fmt: skip

# Words that label a page's publication date ("Published: 5 March 2024", 发布时间：2024-03-05), and words that
# make a labelled date another one (an effective date, 施行日期, a deadline): a date a page shows without a
# publication label may be when a measure takes effect.
PUBLICATION_LABELS = ("published", "posted", "date", "dated", "released", "issued", "发布", "发表", "成文",
                      "日期", "时间")  # fmt: skip
OTHER_DATE_LABELS = ("effective", "valid", "expiry", "deadline", "closing", "due", "start", "end", "施行",
                     "实施", "生效", "有效", "截止", "开始", "结束", "报名")  # fmt: skip
# Opposite directions as whole words or phrases, general English and Chinese (not taken from any test item):
# the reader learns from sentences whose direction is flipped with these that the flip contradicts.
DIRECTION_OPPOSITES = (
    ("increase", "decrease"), ("increased", "decreased"), ("increases", "decreases"),
    ("increasing", "decreasing"), ("rise", "fall"), ("rose", "fell"), ("rises", "falls"),
    ("risen", "fallen"), ("rising", "falling"), ("higher", "lower"), ("more", "fewer"),
    ("greater", "smaller"), ("larger", "smaller"), ("grew", "shrank"), ("grow", "shrink"),
    ("growth", "decline"), ("gain", "loss"), ("gained", "lost"), ("raise", "lower"), ("raised", "lowered"),
    ("boost", "cut"), ("boosted", "cut"), ("expand", "reduce"), ("expanded", "reduced"),
    ("expanding", "reducing"), ("stepped up", "scaled back"), ("step up", "scale back"),
    ("improve", "worsen"), ("improved", "worsened"), ("enhanced", "impaired"), ("promotes", "inhibits"),
    ("promote", "inhibit"), ("activates", "suppresses"), ("induces", "prevents"),
    ("upregulated", "downregulated"), ("accelerated", "slowed"), ("strengthened", "weakened"),
    ("more than", "less than"), ("at least", "at most"), ("above", "below"), ("largest", "smallest"),
    ("highest", "lowest"), ("first", "last"), ("most", "least"), ("before", "after"),
    ("positive", "negative"), ("positively", "negatively"), ("benefit", "harm"), ("eligible", "ineligible"),
    ("allowed", "forbidden"), ("must", "need not"), ("included", "excluded"), ("approved", "rejected"),
    ("增加", "减少"), ("增长", "下降"), ("提高", "降低"), ("上升", "下降"), ("扩大", "缩小"),
    ("上涨", "下跌"), ("高于", "低于"), ("超过", "不足"), ("最大", "最小"), ("最高", "最低"),
    ("首次", "最后"), ("加快", "放缓"),
)  # fmt: skip

# What a Chinese place or zone's name ends in (administrative units and development zones), longest first:
# 青岚综合保税区, 松河高新区, 本市 excepted (a reference, not a name).
CHINESE_PLACE_ENDINGS = (
    "综合保税区",
    "保税区",
    "高新区",
    "开发区",
    "自贸区",
    "新区",
    "区",
    "市",
    "县",
    "省",
    "镇",
)
