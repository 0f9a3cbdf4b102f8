"""EDTF dates: bounds as precise as the record, never more; impossible dates refused."""

from __future__ import annotations

from datetime import date

import pytest

from archive.dates import display_date, parse_edtf
from archive.errors import ValidationError


@pytest.mark.parametrize(
    ("edtf", "precision", "earliest", "latest"),
    [
        ("2017", "year", date(2017, 1, 1), date(2017, 12, 31)),
        ("2017-04", "month", date(2017, 4, 1), date(2017, 4, 30)),
        ("2017-02", "month", date(2017, 2, 1), date(2017, 2, 28)),
        ("2016-02", "month", date(2016, 2, 1), date(2016, 2, 29)),
        ("2000-02", "month", date(2000, 2, 1), date(2000, 2, 29)),
        ("1900-02", "month", date(1900, 2, 1), date(1900, 2, 28)),
        ("2017-12", "month", date(2017, 12, 1), date(2017, 12, 31)),
        ("2017-04-21", "day", date(2017, 4, 21), date(2017, 4, 21)),
        ("2016-02-29", "day", date(2016, 2, 29), date(2016, 2, 29)),
    ],
)
def test_bounds_cover_exactly_the_recorded_precision(edtf, precision, earliest, latest):
    fuzzy = parse_edtf(edtf)
    assert (fuzzy.precision, fuzzy.earliest, fuzzy.latest) == (precision, earliest, latest)
    assert fuzzy.edtf == edtf
    assert fuzzy.qualifier == ""


@pytest.mark.parametrize(
    ("edtf", "qualifier", "word", "precision"),
    [
        ("2017?", "?", "uncertain", "year"),
        ("2017-09~", "~", "approximate", "month"),
        ("2017-04-21%", "%", "uncertain and approximate", "day"),
    ],
)
def test_qualifier_is_kept_and_does_not_change_the_bounds(edtf, qualifier, word, precision):
    fuzzy = parse_edtf(edtf)
    plain = parse_edtf(edtf[:-1])
    assert fuzzy.qualifier == qualifier
    assert fuzzy.qualifier_word == word
    assert fuzzy.precision == precision
    assert (fuzzy.earliest, fuzzy.latest) == (plain.earliest, plain.latest)


def test_surrounding_whitespace_is_ignored():
    assert parse_edtf("  2017-04 \n").edtf == "2017-04"


@pytest.mark.parametrize(
    ("edtf", "earliest", "latest"),
    [
        ("2017-02/2017-04", date(2017, 2, 1), date(2017, 4, 30)),
        ("2017/2018", date(2017, 1, 1), date(2018, 12, 31)),
        ("2017-04-21/2017-04-21", date(2017, 4, 21), date(2017, 4, 21)),
        ("2017-04/2017", date(2017, 4, 1), date(2017, 12, 31)),
        ("2017-09?/2018", date(2017, 9, 1), date(2018, 12, 31)),
        ("2017-06/..", date(2017, 6, 1), None),
        ("../2017-06", None, date(2017, 6, 30)),
        ("2017-06/", date(2017, 6, 1), None),
        ("/2017-06", None, date(2017, 6, 30)),
    ],
)
def test_interval_spans_from_start_of_first_to_end_of_last(edtf, earliest, latest):
    fuzzy = parse_edtf(edtf)
    assert fuzzy.precision == "range"
    assert (fuzzy.earliest, fuzzy.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2017-13", "not a real date"),
        ("2017-00", "not a real date"),
        ("2017-02-29", "not a real date"),
        ("2017-04-31", "not a real date"),
        ("2017-04-00", "not a real date"),
        ("0000", "not a real date"),
        ("2018/2017", "ends before it starts"),
        ("2017-05/2017-04", "ends before it starts"),
        ("2017-04-22/2017-04-21", "ends before it starts"),
        ("garbage", "not a date in EDTF notation"),
        ("", "not a date in EDTF notation"),
        ("17", "not a date in EDTF notation"),
        ("2017-4", "not a date in EDTF notation"),
        ("21.04.2017", "not a date in EDTF notation"),
        ("April 2017", "not a date in EDTF notation"),
        ("2017-04-21?x", "not a date in EDTF notation"),
        ("2017/2018/2019", "not a valid EDTF interval"),
        ("../..", "not a valid EDTF interval"),
        ("/", "not a valid EDTF interval"),
        ("../", "not a valid EDTF interval"),
        ("2017/garbage", "not a date in EDTF notation"),
        ("2017-02-30/..", "not a real date"),
    ],
)
def test_impossible_or_malformed_dates_are_refused(value, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        parse_edtf(value)
    assert caught.value.field == "date"


def test_error_names_the_field_it_was_parsing():
    with pytest.raises(ValidationError) as caught:
        parse_edtf("2017-13", field="published")
    assert caught.value.field == "published"
    assert str(caught.value).startswith("published: ")


def test_interval_error_names_the_field_of_the_bad_end():
    with pytest.raises(ValidationError) as caught:
        parse_edtf("2017-01/2017-13", field="events")
    assert caught.value.field == "events"


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u2009", " ")


@pytest.mark.parametrize(
    ("edtf", "shown", "russian"),
    [
        ("2017", "2017", "2017 г."),
        ("2017-04", "April 2017", "апрель 2017 г."),
        ("2017-04-21", "21 April 2017", "21 апреля 2017 г."),
        ("2017-04-01", "1 April 2017", "1 апреля 2017 г."),
        ("2017~", "about 2017", "около 2017 г."),
        ("2017-06~", "about June 2017", "около июня 2017 г."),
        ("2017-09?", "possibly September 2017", "предположительно сентябрь 2017 г."),
        ("2017-04%", "possibly about April 2017", "предположительно около апреля 2017 г."),
        ("2017-XX", "2017, month unknown", "2017 г., месяц неизвестен"),
        ("2017-04-XX", "April 2017, day unknown", "апрель 2017 г., день неизвестен"),
        ("2017-02/2017-04", "February – April 2017", "февраль – апрель 2017 г."),
        ("2016/2017", "2016 – 2017", "2016–2017"),
        ("2017-04-21/2017-09", "21 April 2017 – September 2017", "21 апреля 2017 г. – сентябрь 2017 г."),
        ("2017-06/..", "after June 2017", "после июня 2017 г."),
        ("../2017-06", "before June 2017", "до июня 2017 г."),
        ("/2017-06", "date unknown – June 2017", "дата неизвестна – июнь 2017 г."),
        ("2017-09?/2018", "possibly September 2017 – 2018", "предположительно сентябрь 2017 г. – 2018 г."),
        # one day, somewhere within the bounds ("one of a set"): never worded as a duration
        (
            "[2017-04..2017-09]",
            "some time between April and September 2017",
            "в какой-то момент с апреля по сентябрь 2017 г.",
        ),
        (
            "[2017-04-01..2017-09-15]",
            "some time between 1 April and 15 September 2017",
            "в какой-то момент с 1 апреля по 15 сентября 2017 г.",
        ),
        (
            "[2016-11..2017-02]",
            "some time between November 2016 and February 2017",
            "в какой-то момент с ноября 2016 г. по февраль 2017 г.",
        ),
        ("[..2017-09]", "some time no later than September 2017", "в какой-то момент не позднее сентября 2017 г."),
        ("[2017-04..]", "some time no earlier than April 2017", "в какой-то момент не ранее апреля 2017 г."),
        (
            "[2017-04-01, 2017-04-15]",
            "either 1 April 2017 or 15 April 2017",
            "одна из дат: 1 апреля 2017 г. или 15 апреля 2017 г.",
        ),
    ],
)
def test_display_is_never_more_precise_than_recorded(edtf, shown, russian):
    # CLDR spaces with thin and narrow no-break spaces ("2017\u202fг.", "April\u2009–\u2009May")
    assert plain(parse_edtf(edtf).display()) == shown
    assert plain(display_date(edtf, "en")) == shown
    assert plain(display_date(edtf, "ru")) == russian
    assert display_date(edtf, "ru_RU") == display_date(edtf, "ru")


def test_unknown_languages_and_unreadable_values_fall_back_without_an_error():
    assert display_date("2017-04", "xx") == "April 2017"
    assert display_date("2017-04", "de") == "April 2017"  # no wording for German: English
    assert display_date("", "ru") == ""
    assert display_date(None, "ru") == ""
    assert display_date("sometime", "ru") == "sometime"  # legacy text shown as recorded


def test_unspecified_parts_keep_the_bounds_of_what_is_known():
    year = parse_edtf("2017-XX")
    assert (year.earliest, year.latest, year.precision) == (date(2017, 1, 1), date(2017, 12, 31), "year")
    month = parse_edtf("2017-04-XX")
    assert (month.earliest, month.latest, month.precision) == (date(2017, 4, 1), date(2017, 4, 30), "month")
    with pytest.raises(ValidationError):
        parse_edtf("2017-XX-04")


def test_month_precision_never_displays_a_day():
    for lang in ("en", "ru"):
        text = display_date("2017-04", lang)
        assert plain(text) in ("April 2017", "апрель 2017 г.")
        assert "1" not in text.replace("2017", "")


@pytest.mark.parametrize(
    ("edtf", "earliest", "latest"),
    [
        ("[2017-04..2017-09]", date(2017, 4, 1), date(2017, 9, 30)),
        ("[2017-04-01, 2017-04-15]", date(2017, 4, 1), date(2017, 4, 15)),
        ("[2017-06, 2017-02-03..2017-02-05]", date(2017, 2, 3), date(2017, 6, 30)),
        ("[..2017-09]", None, date(2017, 9, 30)),
        ("[2017-04..]", date(2017, 4, 1), None),
        (" [2016..2017] ", date(2016, 1, 1), date(2017, 12, 31)),
    ],
)
def test_one_of_a_set_is_a_point_within_its_bounds(edtf, earliest, latest):
    when = parse_edtf(edtf)
    assert (when.earliest, when.latest, when.precision) == (earliest, latest, "one_of")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{2017-04,2017-05}", "several dates at once"),
        ("[]", "not a set of dates"),
        ("[..]", "not a valid EDTF set"),
        ("[2017-09..2017-04]", "ends before it starts"),
        ("[2017-04", "not a set of dates"),
        ("[2017-02/2017-04]", "not a valid EDTF set"),
        ("[2017-13]", "not a real date"),
        ("[2017-04..2017-05..2017-06]", "not a set of dates"),
        ("[" + ", ".join(["2017"] * 21) + "]", "not a set of dates"),
        ("[[2017]]", "not"),
    ],
)
def test_malformed_sets_are_refused(value, reason):
    with pytest.raises(ValidationError, match=reason):
        parse_edtf(value, field="date")
