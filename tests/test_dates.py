"""crawler/dates.py: the one place for dates (Moscow time, +03:00)."""
from __future__ import annotations

import pytest

from crawler.dates import (
    MONTHS,
    parse_display_date,
    parse_feed_date,
    parse_iso,
    parse_since,
    to_moscow_iso,
)


@pytest.mark.parametrize(
    "date_text, time_text, expected",
    [
        ("10.10.2024", "11:04", "2024-10-10T11:04:00+03:00"),
        ("10.10.2024", None, "2024-10-10T00:00:00+03:00"),
        ("10.10.2024 21:15", None, "2024-10-10T21:15:00+03:00"),
        (" 08.10.2024\u00a0", " 19:39 ", "2024-10-08T19:39:00+03:00"),
        ("1.2.2024", "9:05", "2024-02-01T09:05:00+03:00"),
        ("2024-10-10", "11:04", "2024-10-10T11:04:00+03:00"),
        # textual months: en / de / fr / es / ru / pt
        ("3 February 2020", None, "2020-02-03T00:00:00+03:00"),
        ("3 February 2020", "14:15", "2020-02-03T14:15:00+03:00"),
        ("February 3, 2020", None, "2020-02-03T00:00:00+03:00"),
        ("October 30, 2024 16:44", None, "2024-10-30T16:44:00+03:00"),
        ("3 Februar 2020", None, "2020-02-03T00:00:00+03:00"),
        ("26. Januar 2022", None, "2022-01-26T00:00:00+03:00"),
        ("24 Dezember 2020", "21:46", "2020-12-24T21:46:00+03:00"),
        ("14 Mai 2020", None, "2020-05-14T00:00:00+03:00"),
        ("3 März 2021", None, "2021-03-03T00:00:00+03:00"),
        ("3 février 2020", None, "2020-02-03T00:00:00+03:00"),
        ("1er août 2024", None, "2024-08-01T00:00:00+03:00"),
        ("28 septembre 2024", None, "2024-09-28T00:00:00+03:00"),
        ("3 de febrero de 2020", None, "2020-02-03T00:00:00+03:00"),
        ("27 de enero de 2023", "19:20", "2023-01-27T19:20:00+03:00"),
        ("3 февраля 2020", None, "2020-02-03T00:00:00+03:00"),
        ("9 октября 2024 года", None, "2024-10-09T00:00:00+03:00"),
        ("9 октября 2024 г.", "18:16", "2024-10-09T18:16:00+03:00"),
        ("3 de fevereiro de 2020", None, "2020-02-03T00:00:00+03:00"),
        ("3 FEBRUARY 2020", None, "2020-02-03T00:00:00+03:00"),
        # old portal: date and time glued together
        ("15 May 201921:30", None, "2019-05-15T21:30:00+03:00"),
        ("1 November 201917:39", None, "2019-11-01T17:39:00+03:00"),
    ],
)
def test_parse_display_date(date_text, time_text, expected):
    assert parse_display_date(date_text, time_text) == expected


@pytest.mark.parametrize(
    "date_text, time_text",
    [
        ("", None),
        (None, None),
        ("вчера", None),
        ("31.02.2024", None),           # no such day
        ("10.13.2024", None),           # no such month
        ("10.10.24", None),             # two-digit year: do not guess the century
        ("3 Brumaire 2020", None),      # unknown month name
        ("10.10.2024", "25:00"),        # no such hour
        ("10.10.2024", "soon"),         # time not understood
        ("10.10.2024 11:04", "12:00"),  # two different times
        ("2024", None),
    ],
)
def test_parse_display_date_returns_none_instead_of_guessing(date_text, time_text):
    assert parse_display_date(date_text, time_text) is None


def test_month_table_covers_all_languages():
    for name, month in {"января": 1, "january": 1, "januar": 1, "janvier": 1, "enero": 1,
                        "décembre": 12, "dezember": 12, "diciembre": 12, "декабря": 12,
                        "août": 8, "agosto": 8, "mai": 5, "мая": 5}.items():
        assert MONTHS[name] == month


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Thu, 10 Oct 2024 18:15:00 +0000", "2024-10-10T21:15:00+03:00"),
        ("Wed, 09 Oct 2024 18:16:00 +0300", "2024-10-09T18:16:00+03:00"),
        ("Thu, 10 Oct 2024 18:15:00 GMT", "2024-10-10T21:15:00+03:00"),
        ("2024-10-10T17:05:00Z", "2024-10-10T20:05:00+03:00"),
        ("2024-10-10T21:15:00+03:00", "2024-10-10T21:15:00+03:00"),
        ("2024-10-10T21:15:00", "2024-10-10T21:15:00+03:00"),  # naive = Moscow
        ("not a date", None),
        ("", None),
    ],
)
def test_parse_feed_date(raw, expected):
    assert parse_feed_date(raw) == expected


def test_parse_iso_and_to_moscow_iso():
    dt = parse_iso("2024-10-10T08:00:00Z")
    assert dt is not None and to_moscow_iso(dt) == "2024-10-10T11:00:00+03:00"
    assert parse_iso("garbage") is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024-10-08", "2024-10-08"),
        (" 2024-10-08 ", "2024-10-08"),
        ("2024-10-08T23:30:00Z", "2024-10-09"),  # Moscow date
        ("2024-10-08T10:00:00+03:00", "2024-10-08"),
        ("2024-02-30", None),
        ("08.10.2024", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_since(raw, expected):
    assert parse_since(raw) == expected


def test_since_compares_with_published_at_prefix():
    since = parse_since("2024-10-09")
    assert "2024-10-09T18:16:00+03:00"[:10] >= since
    assert "2024-10-08T19:39:00+03:00"[:10] < since
