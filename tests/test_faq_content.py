"""The FAQ content: enough real entries, unique ids, every answer within one phone screen with its
question, the words teachers use, and broken entries refused with their name."""

import pytest

from bot.content import SCREEN_BUDGET, texts
from bot.errors import ContentError
from bot.helpdesk.faq import TITLE_LIMIT, Entry, answer_message, check_message_lengths, faq, parse_entries
from bot.helpdesk.language import word_table

LEAST_ENTRIES = 40


def raw_entry(entry_id: str = "lupa_password", **changes: object) -> dict[str, object]:
    entry: dict[str, object] = {"id": entry_id, "title": "Lupa password", "answer": "Reset.", "asked": ["a", "b"]}
    return {**entry, **changes}


def test_the_faq_has_at_least_forty_entries_with_unique_ids() -> None:
    ids = [entry.id for entry in faq().entries]
    assert len(ids) >= LEAST_ENTRIES and len(set(ids)) == len(ids)


def test_every_answer_with_its_question_fits_one_phone_screen() -> None:
    for entry in faq().entries:
        assert len(answer_message(entry, texts())) <= SCREEN_BUDGET, entry.id
        assert len(entry.title) <= TITLE_LIMIT, entry.id


def test_every_entry_says_how_teachers_ask_it() -> None:
    for entry in faq().entries:
        assert len(entry.asked) >= 2, entry.id


def test_the_chat_words_of_the_issue_are_understood() -> None:
    analyzer = faq().analyzer
    assert analyzer.terms("gk bisa login") == analyzer.terms("tidak bisa login") == ["login"]
    assert analyzer.terms("pasword") == analyzer.terms("lupa sandi")[1:] == ["password"]
    assert analyzer.terms("akun ga ada") == ["akun", "tidakada"]


def test_affixes_come_off_to_the_same_root() -> None:
    analyzer = faq().analyzer
    assert analyzer.terms("direset") == analyzer.terms("mereset") == ["reset"]
    assert analyzer.terms("mengaktifkan") == analyzer.terms("diaktifkan") == ["aktif"]
    assert analyzer.terms("sekolah") == ["sekolah"] and analyzer.terms("bermasalah") == ["masalah"]


def test_a_duplicate_id_is_refused_with_its_name() -> None:
    with pytest.raises(ContentError, match="id 'lupa_password' is used twice"):
        parse_entries([raw_entry(), raw_entry()])


def test_an_entry_without_the_words_teachers_use_is_refused() -> None:
    with pytest.raises(ContentError, match=r"entry 1 \(lupa_password\): needs at least two `asked` phrases"):
        parse_entries([raw_entry(asked=["lupa password"])])


def test_an_overlong_title_is_refused() -> None:
    with pytest.raises(ContentError, match="title must have"):
        parse_entries([raw_entry(title="x" * (TITLE_LIMIT + 1))])


def test_an_answer_over_one_screen_is_refused_naming_the_entry() -> None:
    long = Entry("panjang", "Panjang", "x" * SCREEN_BUDGET, ("a", "b"))
    with pytest.raises(ContentError, match="panjang: the answer shown has"):
        check_message_lengths((long,), texts())


def test_the_word_table_loads() -> None:
    table = word_table()
    assert table.spelling["gk"] == "tidak" and "saya" in table.stop_words and "sekolah" in table.never_stem
