"""The ONE place for dates.

All timestamps the project stores are ISO 8601 strings with the fixed Moscow offset
``+03:00`` (Moscow has been UTC+3 all year since 2014; the site shows local Moscow time),
e.g. ``"2024-10-10T11:04:00+03:00"``. Strings with the same offset compare correctly as text.

Public functions (all return ``None`` instead of guessing when the input is not understood):

``parse_display_date(date_text, time_text=None) -> str | None``
    Dates as the site displays them: numeric ``"10.10.2024"`` (+ ``"11:04"``), textual
    months in ru/en/de/fr/es/pt (``"3 февраля 2020"``, ``"3 February 2020"``,
    ``"February 3, 2020"``, ``"3. Februar 2020"``, ``"3 février 2020"``, ``"1er mars 2020"``,
    ``"3 de febrero de 2020"``), optional trailing ``"г."``/``"года"``, optional time either
    in ``time_text`` or inside ``date_text`` (also glued as on the old portal:
    ``"15 May 201921:30"``). Without a time the result is midnight Moscow time.
``parse_feed_date(s) -> str | None``
    RFC 822 (RSS ``pubDate``) or ISO 8601 (Atom ``updated``), converted to ``+03:00``.
``parse_iso(s) -> datetime | None``
    Any ISO 8601 string -> aware datetime (naive input is taken as Moscow time).
``to_moscow_iso(dt) -> str``
    Aware or naive (taken as Moscow) datetime -> ISO string with ``+03:00``.
``parse_since(s) -> str | None``
    CLI ``--since`` value (``YYYY-MM-DD`` or a full ISO timestamp) -> Moscow date
    ``"YYYY-MM-DD"`` (compares with ``published_at[:10]``); None if not a date.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

from crawler.text import normalize_text

__all__ = [
    "MSK",
    "parse_display_date",
    "parse_feed_date",
    "parse_iso",
    "parse_since",
    "to_moscow_iso",
    "MONTHS",
]

MSK = timezone(timedelta(hours=3), "MSK")

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("января", "январь", "янв", "january", "jan", "januar", "jänner", "janvier", "janv",
        "enero", "ene", "janeiro"),
    2: ("февраля", "февраль", "фев", "february", "feb", "februar", "février", "fevrier", "févr",
        "fevr", "febrero", "fevereiro", "fev"),
    3: ("марта", "март", "мар", "march", "mar", "märz", "maerz", "mars", "marzo", "março",
        "marco"),
    4: ("апреля", "апрель", "апр", "april", "apr", "avril", "avr", "abril", "abr"),
    5: ("мая", "май", "may", "mai", "mayo", "maio"),
    6: ("июня", "июнь", "июн", "june", "jun", "juni", "juin", "junio", "junho"),
    7: ("июля", "июль", "июл", "july", "jul", "juli", "juillet", "juil", "julio", "julho"),
    8: ("августа", "август", "авг", "august", "aug", "août", "aout", "agosto", "ago"),
    9: ("сентября", "сентябрь", "сен", "сент", "september", "sep", "sept", "septembre",
        "septiembre", "setiembre", "setembro", "set"),
    10: ("октября", "октябрь", "окт", "october", "oct", "oktober", "okt", "octobre", "octubre",
         "outubro", "out"),
    11: ("ноября", "ноябрь", "ноя", "нояб", "november", "nov", "novembre", "noviembre",
         "novembro"),
    12: ("декабря", "декабрь", "дек", "december", "dec", "dezember", "dez", "décembre",
         "decembre", "déc", "diciembre", "dic", "dezembro"),
}
MONTHS: dict[str, int] = {name: num for num, names in _MONTH_NAMES.items() for name in names}

_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?"
_YEAR_TAIL = r"(?:\s*(?:г\.|года|год|г\b))?"
_SEP = r"(?:\s*,?\s*|\s+(?:в|à|a las|um|at|às)\s+)"

# 10.10.2024 [11:04]   (also 10/10/2024 and 10-10-2024)
_NUMERIC = re.compile(
    r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})" + _YEAR_TAIL
    + r"(?:" + _SEP + _TIME + r")?$"
)
# 2024-10-10 [11:04]
_ISO_DAY = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[ T]" + _TIME + r")?$")
# 3 February 2020 / 3. Februar 2020 / 1er mars 2020 / 3 de febrero de 2020 / 3 февраля 2020 г.
# The year may be glued to the time on the old portal ("15 May 201921:30").
_DAY_MONTH_YEAR = re.compile(
    r"^(?P<d>\d{1,2})(?:\.|er|º|°)?\s*(?:de\s+)?(?P<mon>[^\W\d_]+)\.?\s*(?:de\s+|,\s*)?"
    r"(?P<y>\d{4})" + _YEAR_TAIL + r"(?:" + _SEP + _TIME + r")?$",
    re.IGNORECASE,
)
# February 3, 2020 [11:04]
_MONTH_DAY_YEAR = re.compile(
    r"^(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"
    r"(?:" + _SEP + _TIME + r")?$",
    re.IGNORECASE,
)
_TIME_ONLY = re.compile(r"^" + _TIME + r"$")


def to_moscow_iso(dt: datetime) -> str:
    """ISO 8601 with ``+03:00``; naive datetimes are taken as Moscow local time."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=MSK)
    return dt.astimezone(MSK).isoformat(timespec="seconds")


def _build(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> str | None:
    try:
        return to_moscow_iso(datetime.combine(date(y, m, d), time(h, mi, s), MSK))
    except ValueError:
        return None


def _time_parts(match: re.Match[str] | None) -> tuple[int, int, int] | None:
    if match is None or match.group("h") is None:
        return None
    return int(match.group("h")), int(match.group("mi")), int(match.group("s") or 0)


def _parse_date_part(text: str) -> tuple[int, int, int, tuple[int, int, int] | None] | None:
    """-> (year, month, day, time-or-None) or None."""
    for rx in (_NUMERIC, _ISO_DAY):
        m = rx.match(text)
        if m:
            return int(m.group("y")), int(m.group("m")), int(m.group("d")), _time_parts(m)
    for rx in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        m = rx.match(text)
        if m:
            month = MONTHS.get(m.group("mon").lower())
            if month is None:
                return None
            return int(m.group("y")), month, int(m.group("d")), _time_parts(m)
    return None


def parse_display_date(date_text: str | None, time_text: str | None = None) -> str | None:
    """Parse a displayed date (and optional time) into ISO 8601 ``+03:00``; None if unparsable.

    >>> parse_display_date("10.10.2024", "11:04")
    '2024-10-10T11:04:00+03:00'
    >>> parse_display_date("3 de febrero de 2020")
    '2020-02-03T00:00:00+03:00'
    """
    text = normalize_text(date_text)
    if not text:
        return None
    parsed = _parse_date_part(text)
    if parsed is None:
        return None
    y, mo, d, tm = parsed
    ttext = normalize_text(time_text)
    if ttext:
        tmatch = _TIME_ONLY.match(ttext)
        if tmatch is None:
            return None
        extra = _time_parts(tmatch)
        if tm is not None and extra != tm:
            return None  # two different times: do not guess
        tm = extra
    h, mi, s = tm or (0, 0, 0)
    return _build(y, mo, d, h, mi, s)


def parse_iso(s: str | None) -> datetime | None:
    """ISO 8601 (``Z`` accepted) -> aware datetime; naive input is Moscow time; else None."""
    text = normalize_text(s)
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=MSK)


def parse_feed_date(s: str | None) -> str | None:
    """RSS ``pubDate`` (RFC 822) or Atom (ISO 8601) date -> ISO ``+03:00``; None if unparsable."""
    text = normalize_text(s)
    if not text:
        return None
    dt = parse_iso(text)
    if dt is None:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            dt = None
    if dt is None:
        shown = parse_display_date(text)
        return shown
    return to_moscow_iso(dt)


def parse_since(s: str | None) -> str | None:
    """CLI ``--since``: ``YYYY-MM-DD`` (or a full ISO timestamp) -> the Moscow date ``YYYY-MM-DD``.

    The result compares directly with ``published_at[:10]``. None if the value is not a date.
    """
    text = normalize_text(s)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    dt = parse_iso(text) if ("T" in text or " " in text) else None
    if dt is None:
        return None
    return dt.astimezone(MSK).date().isoformat()


# --- Moscow offsets of past days (the older portal, G1) ------------------------------------
# Appended for the archive (archive.mid.ru): its statements go back to times when Moscow was
# not UTC+3. ``parse_display_date`` reads the wall-clock time; these functions give it the
# offset Moscow had at that moment (``Europe/Moscow``): +03:00 since 26 October 2014, +04:00
# from 27 March 2011, before that +03:00 in winter and +04:00 in summer (last Sunday of March
# to last Sunday of October). Without the tz database a built-in copy of these rules is used.

def _moscow_zone():  # type: ignore[no-untyped-def]
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Moscow")
    except Exception:  # ZoneInfoNotFoundError (no tzdata) or no zoneinfo at all
        return None


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def _moscow_offset_rules(wall: datetime) -> timedelta:
    """Offset for a naive Moscow wall-clock time, 1992 onwards (older dates: treated alike)."""
    if wall >= datetime(2014, 10, 26, 2, 0):
        return timedelta(hours=3)
    if wall >= datetime(2011, 3, 27, 2, 0):
        return timedelta(hours=4)
    y = wall.year
    start = datetime.combine(_last_sunday(y, 3), time(2, 0))
    end = datetime.combine(_last_sunday(y, 10), time(3, 0))
    return timedelta(hours=4) if start <= wall < end else timedelta(hours=3)


def moscow_historic_iso(value: str | None) -> str | None:
    """ISO timestamp whose *wall-clock* part is Moscow local time -> the same wall-clock time
    with the offset Moscow had then. ``"2013-07-01T17:45:00+03:00"`` -> ``"…+04:00"``;
    ``"2010-12-09T18:20:00+03:00"`` stays ``+03:00``. None if ``value`` is not ISO 8601.
    """
    dt = parse_iso(value)
    if dt is None:
        return None
    wall = dt.replace(tzinfo=None)
    zone = _moscow_zone()
    if zone is not None:
        return wall.replace(tzinfo=zone).isoformat(timespec="seconds")
    offset = _moscow_offset_rules(wall)
    return wall.replace(tzinfo=timezone(offset)).isoformat(timespec="seconds")


def parse_display_date_historic(date_text: str | None, time_text: str | None = None) -> str | None:
    """Like :func:`parse_display_date`, with the ``Europe/Moscow`` offset of that day.

    >>> parse_display_date_historic("1 July 2013", "17:45")
    '2013-07-01T17:45:00+04:00'
    """
    return moscow_historic_iso(parse_display_date(date_text, time_text))


__all__ += ["moscow_historic_iso", "parse_display_date_historic"]
