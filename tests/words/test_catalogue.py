"""One catalogue of words: every key in every language, every indicator with its words."""

from __future__ import annotations

import re
import string

import pytest

from analysis.words import LANGUAGES, Words, indicator_catalogue, require_words
from analysis.words.catalogue import VARIANTS, _load
from analysis.words.indicators import GROUPS, IndicatorError, builtin_indicators, ordered


def _keys(catalogue: dict) -> set[str]:
    return {f"{section}.{key}" for section, words in catalogue.items() for key in words}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_word_exists_in_every_language():
    keys = {language: _keys(_load(language)) for language in LANGUAGES}
    first, *others = LANGUAGES
    for language in others:
        assert keys[language] == keys[first], (
            f"only in {first}: {sorted(keys[first] - keys[language])}; "
            f"only in {language}: {sorted(keys[language] - keys[first])}"
        )


def test_translations_take_the_same_fields():
    nl, en = _load("nl"), _load("en")
    for section, words in nl.items():
        for key, template in words.items():
            assert _fields(template) == _fields(en[section][key]), f"{section}.{key}"


def test_variants_only_override_known_words():
    for (language, _), variant in VARIANTS.items():
        base = _keys(_load(language))
        assert _keys(_load(variant)) <= base


def test_a_flemish_region_gets_flemish_words():
    assert Words("nl", "BE").column("listed_patients") == "patiënten met GMD"
    assert Words("nl", "NL").column("listed_patients") == "ingeschreven patiënten"
    assert "GMD" in Words("nl", "BE").indicator("referral_rate_medical_specialist").unit
    assert Words("en", "BE").column("listed_patients") == "listed patients"


def test_every_builtin_indicator_has_words_in_every_language():
    for column, indicator in builtin_indicators().items():
        for language in LANGUAGES:
            words = indicator.in_language(language)
            assert words.name and words.unit and words.description, (column, language)
        assert indicator.group in GROUPS


def test_a_study_adds_its_own_outcome_words():
    extra = {
        "lab_request_rate": {
            "scale": "ratio",
            "better": "lower",
            "group": "right_place",
            "nl": {"name": "labaanvragen", "description": "aanvragen lab", "unit": "per 1.000"},
            "en": {"name": "lab requests", "description": "lab requests", "unit": "per 1,000"},
        }
    }
    catalogue = indicator_catalogue(extra)
    assert Words("nl", indicators=catalogue).indicator("lab_request_rate").name == "labaanvragen"
    require_words(["lab_request_rate", "gp_contact_rate"], catalogue)


def test_an_outcome_without_words_is_an_error_naming_it():
    with pytest.raises(IndicatorError, match="my_outcome"):
        require_words(["gp_contact_rate", "my_outcome"], builtin_indicators())
    with pytest.raises(IndicatorError, match="no words in 'en'"):
        indicator_catalogue(
            {
                "x": {
                    "scale": "ratio",
                    "better": "lower",
                    "nl": {"name": "x", "unit": "u", "description": "d"},
                }
            }
        )
    with pytest.raises(KeyError, match="my_outcome"):
        Words("nl").indicator("my_outcome")


def test_outcomes_are_ordered_by_group():
    outcomes = ["gp_contact_rate", "third_next_available_days", "referral_rate_medical_specialist"]
    assert ordered(outcomes, builtin_indicators()) == [
        "referral_rate_medical_specialist",
        "gp_contact_rate",
        "third_next_available_days",
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["1.234,5", "18,2%", "maart 2025", "-18% (-25% tot -10%)"]),
        ("en", ["1,234.5", "18.2%", "March 2025", "-18% (-25% to -10%)"]),
    ],
)
def test_one_formatter_per_language(language, expected):
    words = Words(language)
    got = [
        words.number(1234.5, 1),
        words.percent(0.182, 1),
        words.month("2025-03-01"),
        words.change("ratio", 0.82, 0.75, 0.9),
    ]
    assert got == expected


def test_counts_below_the_threshold_are_never_shown():
    words = Words("nl")
    assert [words.count(n, 10) for n in (0, 3, 9, 10, 1234)] == ["0", "<10", "<10", "10", "1.234"]
    assert words.count_in_words(6, 10) == "minder dan 10"


def test_no_method_identifiers_in_the_words():
    identifiers = re.compile(r"\b(att_gt|twfe|synthetic_control|single_start|staggered)\b")
    for language in LANGUAGES:
        for section, words in _load(language).items():
            if section == "methods":
                continue  # keyed by identifier, worded for readers
            for key, template in words.items():
                assert not identifiers.search(template), f"{language} {section}.{key}"
