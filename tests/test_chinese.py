"""Chinese text in keyword search: character unigrams and bigrams, so a word is found inside a longer run."""

from __future__ import annotations

import json

import pytest
from helpers import DATA, SEED, assert_verdicts

from assistant import Assistant
from assistant.index.keyword import TOKENIZER_VERSION, Tokenizer


def test_chinese_runs_become_unigrams_and_bigrams_beside_english_and_numbers():
    tokens = Tokenizer()("清溪自由贸易试验区2024年新设外商投资企业318家")
    assert tokens[:6] == ["清", "溪", "清溪", "自", "溪自", "由"]
    assert {"外商", "投资", "企业", "2024", "318", "家"} <= set(tokens)
    assert "年新设外商投资企业" not in tokens  # the old whole-run token that no query could match
    assert Tokenizer()("Beijing 外资 firms, 2,012 家") == ["beij", "外", "资", "外资", "firm", "2012", "家"]


def test_traditional_characters_are_read_as_simplified_and_quoted_as_written():
    """Pages from Hong Kong, Taiwan and the big5 gateways of mainland sites write 萬, 億, 增長, 朝陽:
    the keyword index, the quantity reader and place names read them as 万, 亿, 增长, 朝阳; quotes keep
    them."""
    from assistant.text.normalise import fold, spelled_by
    from assistant.text.numbers import read_quantities

    assert Tokenizer()("朝陽區新設外資企業") == Tokenizer()("朝阳区新设外资企业")
    assert fold("吸引合同外資154.2億美元") == "吸引合同外资154.2亿美元" and fold("Beijing") == "Beijing"
    figures = read_quantities("新設企業超4.6萬家;新設外資企業749家,同比增長40.5%;吸引合同外資154.2億美元")
    assert [(q.text, q.kind, q.value) for q in figures] == [
        ("超4.6萬家", "count", 46000.0), ("749家", "count", 749.0), ("40.5%", "percent", 40.5),
        ("154.2億美元", "money:USD", pytest.approx(1.542e10)),
    ]  # fmt: skip
    assert figures[2].direction == 1  # 增長 is 增长
    # Every reading of a character, as a name may take the rarer one (朝: zhao and chao), in either script.
    assert (
        spelled_by("Chaoyang", "北京朝陽“兩區”建設") == "朝陽"
        and spelled_by("Chaoyang", "北京朝阳") == "朝阳"
    )
    assert spelled_by("Xiamen", "在福建廈門發布") == "廈門"


def test_a_chinese_word_finds_the_chinese_document(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt"])
    hits = a.keyword.search("外商投资企业", k=3)
    assert hits and hits[0][2]["doc_id"].endswith("synthetic_gb18030_notice.txt")


def test_a_side_index_saved_by_another_tokenizer_is_rebuilt(tmp_path, fake_embedder, caplog):
    import logging

    Assistant(index_dir=tmp_path / "index", embedder=fake_embedder).ingest(
        [DATA / "synthetic_gb18030_notice.txt"]
    )
    meta_path = tmp_path / "index" / "bm25" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["tokenizer"] == TOKENIZER_VERSION
    meta["tokenizer"] = TOKENIZER_VERSION - 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    fresh = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    with caplog.at_level(logging.INFO, logger="assistant.index.keyword"):
        fresh.keyword.ensure()
    assert "rebuilt BM25 side index" in caplog.text
    assert fresh.keyword.search("外商投资企业", k=1)


def test_chinese_figures_are_read_with_their_units_and_qualifiers():
    from assistant.text.numbers import cn_number, read_quantities

    def read(text):
        return [(q.text, q.kind, q.value, q.qualifier) for q in read_quantities(text)]

    assert read("2024年北京新设外资企业2012家，同比增长16.4%，高于全国平均6.5个百分点。") == [
        ("2024年", "year", 2024.0, ""), ("2012家", "count", 2012.0, ""), ("16.4%", "percent", 16.4, ""),
        ("6.5个百分点", "pp", 6.5, "")]  # fmt: skip
    assert read("超过7000个") == [("超过7000个", "count", 7000.0, "gt")]
    assert read("吸引外资企业2000余家") == [("2000余家", "count", 2000.0, "gt")]  # 余: more than
    assert read("实际使用外资约1.5亿美元") == [("约1.5亿美元", "money:USD", 1.5e8, "about")]
    assert read("12万人左右") == [("12万人左右", "count", 1.2e5, "about")]
    assert read("百分之十六点四") == [("百分之十六点四", "percent", 16.4, "")]
    assert read("第3批") == [("第3批", "ordinal", 3.0, "")]
    assert read("这十分重要") == [] and read("一个项目") == []  # 十分 is "very"; 一个 is "a"
    assert read("an implementation rate exceeding 86%") == [("exceeding 86%", "percent", 86.0, "gt")]
    assert (cn_number("两千零一十二"), cn_number("二〇二四"), cn_number("十六点四")) == (2012, 2024, 16.4)


def test_a_chinese_claim_is_checked_against_a_chinese_document(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt"])
    wrong = a.check("清溪自由贸易试验区2024年新设外商投资企业400家。")
    assert wrong.verdict == "contradicted" and wrong.parts[0].evidence == "318家"
    right = a.check("清溪自由贸易试验区2024年新设外商投资企业超过300家。")
    assert right.verdict == "supported" and "318家" in right.citations[0].quote


def test_chinese_sentences_end_at_full_stops_and_marks_and_semicolons_join_clauses():
    """！and ？end a sentence, as written and as NFKC leaves them (! ?); a ；joins two clauses of one
    sentence (split there, CMRC first quotes fell: docs/answers.md)."""
    from assistant.text.chunking import sentence_spans
    from assistant.text.normalise import normalise

    raw = "新设外资企业318家；同比增长12.5%！是否属实？合成句子。"
    for text in (raw, normalise(raw)):
        got = [text[a:b] for a, b in sentence_spans(text)]
        assert got == [text[:21], text[21:26], "合成句子。"] and got[0].endswith(("12.5%!", "12.5%！"))


@pytest.mark.slow
def test_a_chinese_question_is_answered_by_the_fitted_chinese_ranker_with_an_english_embedder(
    tmp_path, real_embedder
):
    """The bundled MiniLM cannot read Chinese: the ranker fitted on CMRC 2018 (terms variant) picks the
    sentence holding the figure, from the right one of two look-alike notices, and the outcome follows its
    calibrated confidence. English questions still go to the English selector."""
    from assistant.reasoning.chinese import load

    threshold = load()["terms"].answer_at
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt", DATA / "synthetic_yunling_notice.txt"])
    asked = [
        ("清溪自由贸易试验区2024年新设外商投资企业多少家？", "318家", "synthetic_gb18030"),
        ("云岭经济开发区2024年新设外商投资企业多少家？", "412家", "synthetic_yunling"),
    ]
    for question, figure, doc in asked:
        answer = a.ask(question)
        assert not answer.abstained and 0 < answer.confidence < 1 and answer.kind == "number"
        assert answer.outcome == ("answer" if answer.confidence >= threshold else "closest")
        assert figure in answer.citations[0].quote and doc in answer.citations[0].doc_id
    assert "服务业开放" in a.ask("清溪试验区管委会表示将继续扩大什么？").citations[0].quote
    english = a.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert english.outcome == "answer" and "2,012" in english.text  # English questions still use the selector


def test_chinese_copy_features_read_the_words_around_the_question_word():
    from assistant.reasoning.chinese import chinese_kind, copy_features

    assert chinese_kind("黄鳍紫鱼体长多少？") == "number" and chinese_kind("耶律乞奴被谁所杀？") == "name"
    assert chinese_kind("什么时候成立的？") == "date" and chinese_kind("这是什么？") == "other"
    right = copy_features("耶律乞奴被谁所杀？", "耶律乞奴战败,被耶律金山所杀。")
    wrong = copy_features("耶律乞奴被谁所杀？", "后来不久,耶律厮不被其下所杀,丞相耶律乞奴监国。")
    # both hold 所杀 after the question word, only the right one holds the question's words in their order
    assert right["right_copy"] == wrong["right_copy"] == 1.0 and right["right_2"] == 1.0
    assert right["copy_in_order"] == pytest.approx(6 / 7) and wrong["copy_in_order"] == pytest.approx(4 / 7)
    counts = copy_features("体长多少？", "体长可达50公分。")
    assert counts["left_2"] == 1.0 and counts["kind_number"] == 1.0 and counts["kind_date"] == 0.0


def test_a_chinese_ranker_fitted_on_other_features_is_refused(tmp_path):
    from assistant.models import AssistantError
    from assistant.reasoning.chinese import load

    shipped = json.loads((load.__defaults__[0]).read_text(encoding="utf-8"))
    assert set(shipped) == {"terms", "meaning"}  # both variants ship
    shipped["terms"]["features"] = shipped["terms"]["features"][:-1]
    path = tmp_path / "chinese.json"
    path.write_text(json.dumps(shipped), encoding="utf-8")
    with pytest.raises(AssistantError, match="lab train-chinese"):
        load(path)


def test_the_unhedged_threshold_is_the_lowest_confidence_right_nine_times_in_ten():
    from assistant.measuring.chinese_fit import answer_threshold

    chosen = [(0.9 - i / 100, i % 20 != 7) for i in range(60)]  # one wrong in twenty
    assert answer_threshold(chosen, precision=0.9, least=25) == round(0.9 - 59 / 100, 4)
    assert answer_threshold([(0.5, False)] * 30) == 1.0


def test_a_chinese_claim_is_not_checked_against_a_look_alike_document(tmp_path, fake_embedder):
    """Two synthetic notices with the same wording and different places and figures (清溪 318家, 云岭 412家):
    each claim is judged by its own place's sentence, and a claim about a place no Chinese document names
    (北京) is not contradicted by either."""
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt", DATA / "synthetic_yunling_notice.txt"])
    yunling = a.check("云岭经济开发区2024年新设外商投资企业318家。")
    assert yunling.verdict == "contradicted" and yunling.parts[0].evidence == "412家"
    assert "yunling" in yunling.citations[0].doc_id
    qingxi = a.check("清溪自由贸易试验区2024年新设外商投资企业400家。")
    assert qingxi.verdict == "contradicted" and qingxi.parts[0].evidence == "318家"
    assert a.check("云岭经济开发区2024年新设外商投资企业超过400家。").verdict == "supported"
    assert a.check("2024年北京新设外资企业2500家。").verdict == "not_found"


def _synthetic_cmrc(path):
    """A CMRC-format file of synthetic paragraphs (invented towns; written for this test), three questions
    each whose answer sits in one of three sentences."""
    first, second = "清云石河山松柏竹梅兰桃李杏", "安宁平和兴丰盛泰昌华"
    paragraphs = []
    for i in range(24):
        town = first[i % 13] + second[i % 10] + "镇"
        people, year, county = 3 + i, 1900 + 7 * i, second[(i + 3) % 10] + first[(i + 5) % 13] + "县"
        text = (f"合成测试段落{i}。{town}位于{county}北部。{town}常住人口约为{people}万人。"
                f"{town}始建于{year}年,以集市闻名。")  # fmt: skip
        qas = [
            {"question": f"{town}位于哪里？", "answers": [{"text": county}]},
            {"question": f"{town}常住人口约为多少？", "answers": [{"text": f"{people}万人"}]},
            {"question": f"{town}始建于哪一年？", "answers": [{"text": f"{year}年"}]},
        ]
        paragraphs.append({"title": town, "paragraphs": [{"context": text, "qas": qas}]})
    path.write_text(json.dumps({"data": paragraphs}, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow
def test_train_chinese_fits_on_kept_paragraphs_and_measures_the_held_out_ones(tmp_path, real_embedder):
    """The fit reads a CMRC-format file, indexes its paragraphs, fits on the paragraphs not held out and
    reports the held-out ones; the written variant (terms, for the English-only MiniLM) is then used by
    `ask` for a Chinese question."""
    from assistant.measuring import chinese_fit, cmrc
    from assistant.reasoning.chinese import load

    data, out = tmp_path / "cmrc.json", tmp_path / "chinese.json"
    _synthetic_cmrc(data)
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    report = chinese_fit.train(a, data, out)
    paragraphs, questions = cmrc.load(data)
    held = sum(cmrc.held_out(q.paragraph) for q in questions)
    assert 0 < held < len(questions) and report["fit_questions"] == len(questions) - held
    assert report["variant"] == "terms" and report["held_out"]["questions"] == held
    assert report["held_out"]["chosen_sentence_holds_answer"] >= 0.9
    a.answerer._chinese_models = load(out)
    answer = a.ask("松丰镇常住人口约为多少？")
    assert "松丰镇常住人口约为8万人" in answer.citations[0].quote


def test_names_and_years_are_found_across_scripts():
    from assistant.reasoning.selection import named_in, present
    from assistant.text.normalise import romanised_names, shares_romanised_name
    from assistant.text.numbers import read_quantities

    assert present("2024", "2024年,松河高新区") and not present("2024", "a2024b")
    assert named_in("Songhe", "松河高新区2024年利用外资情况通报") and not named_in("Baishi", "松河高新区")
    assert shares_romanised_name("2024年北京新设外资企业2012家。", "In 2024, Beijing set up 2,012 firms.")
    assert romanised_names("北京与清溪", "Beijing, Qingxi and Songhe") == ["北京", "清溪"]
    assert not shares_romanised_name("2024年上海新设外资企业2012家。", "In 2024, Beijing set up 2,012 firms.")
    usd = read_quantities("It used 3.6 billion US dollars of foreign capital.")[0]
    assert (usd.kind, usd.value) == ("money:USD", 3.6e9)


def test_chinese_claims_read_the_title_part_of_year_direction_and_date(tmp_path, fake_embedder):
    """Chinese claims about the synthetic notices, by the figure rules alone (no embedder is consulted for a
    Chinese claim on Chinese text): the place and 上半年 come from the notice's title, a change keeps its
    direction, a contradicting figure is the one nearest in size, and a date beside a figure is judged in
    the sentence that states the figure, not against the other notice's 2025年7月1日."""
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([DATA / "synthetic_chinese"])
    expected = {
        "青岚综合保税区2025年上半年跨境电商包裹量达到1260万件。": ("supported", "1260万件"),
        "松河高新区2024年进出口总额同比增长3.7%。": ("contradicted", "3.7%"),
        "松河高新区2024年新设外商投资企业超过200家。": ("contradicted", "127家"),
    }
    assert_verdicts(a, expected)
    assert a.check("青岚综合保税区2025年下半年跨境电商包裹量达到1260万件。").verdict == "not_found"
    assert a.check("青岚综合保税区2025年7月在册企业累计达到815家。").verdict == "not_found"


def test_running_totals_from_january_place_a_figure_like_a_part_of_the_year(tmp_path, fake_embedder):
    """前8个月 (and 1-8月, the first eight months) is when a figure holds, not a count of 8: a claim about the
    first eight months is judged by that notice, in traditional characters, not by its look-alike for the
    first seven, and a question about it quotes it."""
    notices = {
        "yanzhou_7m.txt": "岩州省前7个月利用外资情况\n\n合成测试文件，内容虚构。\n\n"
        "前7个月，全省新设外资企业263家，同比增长41.2%。",
        "yanzhou_8m.txt": "岩州省前8个月利用外資情況\n\n合成測試文件，以繁體字書寫，內容虛構。\n\n"
        "今年前8月，全省新設外資企業352家，同比增長47.5%。",
    }
    for name, text in notices.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([tmp_path / name for name in notices])
    expected = {
        "岩州省前8个月新设外资企业352家，同比增长47.5%。": ("supported", "352家"),
        "岩州省1-8月新设外资企业263家。": ("contradicted", "352家"),
        "岩州省前7个月新设外资企业352家。": ("contradicted", "263家"),
    }
    assert_verdicts(a, expected)
    answer = a.ask("岩州省前8个月新设外资企业多少家？")
    assert "352家" in answer.citations[0].quote


def test_a_sentence_is_about_the_period_it_says_or_the_one_before_it():
    """A notice states its period once (2020年…) and its next sentences inherit the nearest one said; a
    sentence of a span of the year (6月至12月, and the one after it) is not about the whole year a question
    names, and 前8个月 is not 前7个月."""
    from assistant.models import Hit
    from assistant.reasoning.answer import _in_asked_period
    from assistant.reasoning.selection import Candidate

    passage = "2020年,全省新设外商投资企业1005家。其中6月至12月新设855家。现代服务业新设909家。"
    hit = Hit("n.txt", "n.txt#0", 1.0, passage, 0, len(passage), title="岩州省外资情况（合成）")
    cands = [Candidate(hit, 0, passage.index(s), passage.index(s) + len(s)) for s in passage.split("。")[:3]]
    whole_year = _in_asked_period("How many foreign-invested enterprises were set up in 2020?")
    assert [whole_year(c) for c in cands] == [True, False, False]
    assert _in_asked_period("How many firms were set up?") is None
    eight = _in_asked_period("How many firms were set up in the first eight months of 2020?")
    months = "2020年前8个月新设407家。前7个月新设288家。"
    hit = Hit("m.txt", "m.txt#0", 1.0, months, 0, len(months))
    first, second = (
        Candidate(hit, 0, months.index(s), months.index(s) + len(s)) for s in months.split("。")[:2]
    )
    assert eight(first) and not eight(second)


def test_a_chinese_claims_terms_leave_out_bigrams_that_join_two_words(tmp_path, fake_embedder):
    """岚山区租房资助实缴… makes 区租 and 助实: pairs of characters the corpus has, never together. No
    sentence can hold them, so they are not terms the evidence must hold. The sentence is read under its
    notice's title and the heading above it ((二)租房资助); a claim naming a place the corpus lacks (深圳) is
    still not found."""
    notice = tmp_path / "rules.txt"
    notice.write_text(
        "岚山区总部发展资金实施细则\n\n合成测试文件，内容虚构。\n\n(二)租房资助\n"
        "地区总部：对实缴注册资本不低于200万美元的地区总部，按租金的30%给予三年资助。",
        encoding="utf-8",
    )
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([notice, DATA / "synthetic_chinese"])  # other notices, so rarity means something
    assert_verdicts(a, {
        "岚山区租房资助实缴注册资本不低于200万美元。": ("supported", "不低于200万美元"),
        "岚山区租房资助实缴注册资本不低于500万美元。": ("contradicted", "不低于200万美元"),
    })  # fmt: skip
    assert a.check("深圳租房资助实缴注册资本不低于200万美元。").verdict == "not_found"
