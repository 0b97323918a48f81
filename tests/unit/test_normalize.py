"""The one normaliser: every rule with the Japanese it exists for."""

from __future__ import annotations

import pytest

from shared.normalize import (
    CONFUSABLES,
    confusable_class,
    fold_kanji,
    normalize_key,
    normalize_text,
    strip_honorifics,
    to_hiragana,
    to_katakana,
)


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("長濵", "長浜"),
        ("廣瀬", "広瀬"),
        ("澤田", "沢田"),
        ("國分", "国分"),
        ("櫻井", "桜井"),
        ("中嶋", "中島"),
        ("𠮷田", "吉田"),
        ("德永", "徳永"),
        ("惠子", "恵子"),
        ("髙槗", "高橋"),
        ("桒原", "桑原"),
        ("寳田", "宝田"),
    ],
)
def test_old_and_variant_kanji_fold_to_the_common_form(variant: str, common: str) -> None:
    assert fold_kanji(variant) == common
    assert normalize_key(variant) == normalize_key(common)


def test_distinct_names_stay_distinct() -> None:
    # 斉藤 and 斎藤 are different registrations; only their old forms fold.
    assert normalize_text("斉藤") == "斉藤"
    assert normalize_text("斎藤") == "斎藤"


def test_nfkc_width_and_compatibility_forms() -> None:
    assert normalize_text("ﾌﾘｶﾞﾅ ｻﾄｳ") == "フリガナ サトウ"
    assert normalize_text("ＴＥＬ ０３－１２３４－５６７８") == "TEL 03-1234-5678"
    assert normalize_text("㈱ケアサポート") == "(株)ケアサポート"
    assert normalize_text("Ｒ６．５．１") == "R6.5.1"


def test_spaces_collapse_but_lines_and_pages_are_kept() -> None:
    text = "訪問介護計画書\n利用者　　山田　太郎　様\f２ページ目"
    assert normalize_text(text) == "訪問介護計画書\n利用者 山田 太郎 様\f2ページ目"


def test_normalize_text_is_idempotent() -> None:
    text = "＜介護保険負担割合証＞\n氏名　髙橋　﨑子　殿\nＴＥＬ　０４４－８５０－６５９９"
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_hiragana_katakana_folding() -> None:
    assert to_hiragana("ヤマダ タロウ") == "やまだ たろう"
    assert to_hiragana("ヴィ") == "ゔぃ"
    assert to_hiragana("ケアマネージャー") == "けあまねーじゃー"
    assert to_katakana("さとう かおる") == "サトウ カオル"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("山田 太郎 様", "山田 太郎"),
        ("山田太郎殿", "山田太郎"),
        ("利用者氏名：佐藤 薫 様", "佐藤 薫"),
        ("氏名 和田孝 殿", "和田孝"),
        ("株式会社ケアサポート 御中", "株式会社ケアサポート"),
        ("利用者 鈴木一郎さん", "鈴木一郎"),
    ],
)
def test_strip_honorifics(raw: str, name: str) -> None:
    assert strip_honorifics(raw) == name


def test_strip_honorifics_never_touches_the_middle_or_empties() -> None:
    assert strip_honorifics("様似ケアセンター") == "様似ケアセンター"
    assert strip_honorifics("様") == "様"


def test_normalize_key_joins_every_spelling_of_a_person() -> None:
    keys = {
        normalize_key("髙橋 ｶｽﾞｵ 様"),
        normalize_key("高橋　カズオ"),
        normalize_key("高橋かずお"),
        normalize_key("利用者：高橋 カズオ 殿"),
    }
    assert keys == {"高橋かずお"}


def test_normalize_key_lowercases_latin() -> None:
    assert normalize_key("ＮＰＯ法人ＡＢＣケア") == "npo法人abcけあ"


def test_confusables_are_classes_not_rewrites() -> None:
    assert confusable_class("ロ") == confusable_class("口") != -1
    assert confusable_class("カ") == confusable_class("力")
    assert confusable_class("ニ") == confusable_class("二")
    assert confusable_class("エ") == confusable_class("工")
    assert confusable_class("ー") == confusable_class("一")
    assert confusable_class("0") == confusable_class("O")
    assert confusable_class("1") == confusable_class("l") == confusable_class("I")
    assert confusable_class("山") == -1
    # the text itself is never rewritten
    assert normalize_text("カナ ロビー") == "カナ ロビー"
    assert all(len(g) >= 2 for g in CONFUSABLES)
