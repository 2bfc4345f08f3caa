"""Cosmetic folding: which edits count as cosmetic and which are news."""
from __future__ import annotations

import pytest

from scheduler.compare import cosmetic_key, is_cosmetic


def version(title: str, *paras: tuple[str | None, str]) -> dict:
    return {"title": title, "paragraphs": [{"speaker": s, "text": t} for s, t in paras]}


BASE = version(
    "Брифинг официального представителя МИД России М.В.Захаровой",
    ("Вопрос", "Как Вы оцениваете «зерновую сделку»?"),
    ("М.В.Захарова", "Её условия — не выполнены. Это ещё один пример."),
)


@pytest.mark.parametrize(
    "a, b",
    [
        ("a  b", "a b"),
        (" a b ", "a b"),
        ("a\u00a0b", "a b"),  # no-break space
        ("«зерновая сделка»", "„зерновая сделка“"),
        ("«зерновая сделка»", '"зерновая сделка"'),
        ("Russia’s position", "Russia's position"),
        ("‹ accord ›", "« accord »"),
        ("2022—2024", "2022–2024"),
        ("2022-2024", "2022−2024"),
        ("Нью‑Йорк", "Нью-Йорк"),  # non-breaking hyphen
        ("ещё", "еще"),
        ("Ёлка", "елка"),
        ("ЁЛКА", "Елка"),
        ("Lavrov SAID", "lavrov said"),
        ("Straße", "STRASSE"),
        ("co\u00adoperation", "cooperation"),  # soft hyphen
        ("a\u200bb", "ab"),  # zero-width space
    ],
)
def test_cosmetic_key_folds(a: str, b: str) -> None:
    assert cosmetic_key(a) == cosmetic_key(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("a, b", "a b"),  # a comma is news
        ("a, b", "a; b"),
        ("не был", "небыл"),  # removing a space joins words: a spelling change
        ("сделка", "сделки"),
        ("Франция.", "Франция!"),
        ("«сделка»", "сделка"),  # dropping quotes is not a style change
        ("2022-2024", "2022 2024"),
    ],
)
def test_cosmetic_key_keeps_meaningful_differences(a: str, b: str) -> None:
    assert cosmetic_key(a) != cosmetic_key(b)


def test_identical_versions_are_not_cosmetic() -> None:
    assert not is_cosmetic(BASE, version(BASE["title"], *[(p["speaker"], p["text"]) for p in BASE["paragraphs"]]))


@pytest.mark.parametrize(
    "title, q, a",
    [
        # whitespace only
        (BASE["title"], "Как  Вы оцениваете «зерновую сделку»? ", "Её условия — не выполнены. Это ещё один пример."),
        # quote style only
        (BASE["title"], "Как Вы оцениваете „зерновую сделку“?", "Её условия — не выполнены. Это ещё один пример."),
        # ё/е only
        (BASE["title"], "Как Вы оцениваете «зерновую сделку»?", "Ее условия — не выполнены. Это еще один пример."),
        # dash only
        (BASE["title"], "Как Вы оцениваете «зерновую сделку»?", "Её условия – не выполнены. Это ещё один пример."),
        # case only (title)
        (BASE["title"].upper(), "Как Вы оцениваете «зерновую сделку»?", "Её условия — не выполнены. Это ещё один пример."),
        # case only (body)
        (BASE["title"], "Как вы оцениваете «зерновую сделку»?", "Её условия — не выполнены. Это ещё один пример."),
    ],
)
def test_cosmetic_edits(title: str, q: str, a: str) -> None:
    assert is_cosmetic(BASE, version(title, ("Вопрос", q), ("М.В.Захарова", a)))


@pytest.mark.parametrize(
    "new",
    [
        version(BASE["title"], ("Вопрос", "Как Вы оцениваете «зерновую сделку»?"),
                ("М.В.Захарова", "Её условия, не выполнены. Это ещё один пример.")),  # dash -> comma
        version(BASE["title"], ("Вопрос", "Как Вы оцениваете «зерновую сделку»?"),
                ("С.В.Лавров", "Её условия — не выполнены. Это ещё один пример.")),  # speaker changed
        version(BASE["title"], ("Вопрос", "Как Вы оцениваете «зерновую сделку»?")),  # answer removed
        version(BASE["title"], ("Вопрос", "Как Вы оцениваете «зерновую сделку»?"),
                ("М.В.Захарова", "Её условия — не выполнены."), ("М.В.Захарова", "Это ещё один пример.")),  # split
        version("Брифинг М.В.Захаровой", ("Вопрос", "Как Вы оцениваете «зерновую сделку»?"),
                ("М.В.Захарова", "Её условия — не выполнены. Это ещё один пример.")),  # title reworded
    ],
)
def test_substantive_edits_are_not_cosmetic(new: dict) -> None:
    assert not is_cosmetic(BASE, new)


def test_missing_and_empty_speaker_are_the_same() -> None:
    old = version("T", (None, "Text"))
    new = version("T", ("", "Text"))
    assert is_cosmetic(old, new)


def test_latin_languages() -> None:
    old = version("Press release", (None, "Foreign Minister Sergey Lavrov’s remarks – “we are ready”."))
    new = version("Press Release", (None, "Foreign Minister Sergey Lavrov's remarks - \"we are ready\"."))
    assert is_cosmetic(old, new)
    assert not is_cosmetic(old, version("Press release", (None, "Foreign Minister Sergey Lavrov's remarks: we are ready.")))
