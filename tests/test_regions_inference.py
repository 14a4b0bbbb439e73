"""The province question answered with what teachers know: a kabupaten/kota ("makassar", "kota
bandung"), a town in one ("wamena"), a misspelling ("makasar"), or both parts at once ("Sulsel,
Gowa"); one answer settles both, several are offered as a numbered choice."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import regions
from bot.models import Contact
from bot.places import places_named
from tests.factories import Harness

# What a teacher types at the province question → the kabupaten/kota codes offered (one: settled).
REGENCIES: list[tuple[str, list[str]]] = [
    ("makassar", ["73.71"]),
    ("Makassar", ["73.71"]),
    ("surabaya", ["35.78"]),
    ("wamena", ["95.01"]),  # a town: Kabupaten Jayawijaya
    ("kota bandung", ["32.73"]),
    ("Kab. Gowa", ["73.06"]),
    ("kab bogor", ["32.01"]),
    ("bone", ["73.08"]),
    ("makasar", ["73.71"]),  # misspelt
    ("surabya", ["35.78"]),
    ("balikpapn", ["64.71"]),
    ("pontianakk", ["61.71"]),
    ("sidoarja", ["35.15"]),
    ("palangka raya", ["62.71"]),  # spelt with a space, stored without
    ("pare-pare", ["73.72"]),
    ("bau-bau", ["74.72"]),
    ("bukit tinggi", ["13.75"]),
    ("gunung kidul", ["34.03"]),
    ("tolitoli", ["72.04"]),
    ("jakarta selatan", ["31.74"]),  # "Kota Administrasi Jakarta Selatan"
    ("jaksel", ["31.74"]),
    ("tangsel", ["36.74"]),
    ("solo", ["33.72"]),
    ("timika", ["94.04"]),
    ("labuan bajo", ["53.15"]),
    ("watampone", ["73.08"]),
    ("sungguminasa", ["73.06"]),
    ("kota jogja", ["34.71"]),
    ("Sulsel, Gowa", ["73.06"]),
    ("sulsel, gowaa", ["73.06"]),
    ("Makassar, Sulawesi Selatan", ["73.71"]),
    ("gowa sulsel", ["73.06"]),
    ("jatim surabya", ["35.78"]),
    ("kota gorontalo", ["75.71"]),
    ("bandung", ["32.04", "32.73"]),  # Kabupaten and Kota: a choice
    ("semarng", ["33.22", "33.74"]),
    ("Jawa Barat, Bogor", ["32.01", "32.71"]),
    ("martapura", ["16.08", "63.03"]),  # one town name in two provinces
    ("lombok", ["52.01", "52.02", "52.03", "52.08"]),
]
# Provinces alone: the kabupaten/kota question follows.
PROVINCES: list[tuple[str, list[str]]] = [
    ("sulsel", ["73"]),
    ("Jawa Timur", ["35"]),
    ("gorontalo", ["75"]),  # the province, though a kabupaten and a kota share its name
    ("jambi", ["15"]),
    ("papua barat", ["92"]),
    ("Sulsel, xyz", ["73"]),
    ("jawa", ["32", "33", "35"]),
]
NOTHING = ["saya guru", "guru", "tidak tahu", "xyz", "desa"]


@pytest.mark.parametrize(("text", "codes"), REGENCIES + PROVINCES)
def test_an_answer_names_the_places_a_teacher_means(text: str, codes: list[str]) -> None:
    assert [place.code for place in places_named(text)] == codes


def test_thirty_kabupaten_kota_names_settle_both_parts() -> None:
    settled = [text for text, codes in REGENCIES if len(codes) == 1]
    assert len(settled) >= 30
    for text in settled:
        (place,) = places_named(text)
        assert place.regency is not None and place.regency.province_code == place.province.code, text


@pytest.mark.parametrize("text", NOTHING)
def test_words_that_are_no_place_name_none(text: str) -> None:
    assert places_named(text) == []


def test_every_town_alias_names_a_known_kabupaten_kota_not_already_matched_by_its_name() -> None:
    names = {region.compact for region in regions.regencies().values()}
    for alias, codes in regions.town_aliases().items():
        assert all(code in regions.regencies() for code in codes), alias
        assert alias not in names, f"{alias} is a kabupaten/kota name already"


async def reach_the_province_question(harness: Harness, chat: int) -> None:
    for text in ("halo", "1", "Bu Sari"):
        await harness.telegram_says(chat, text)


def stored_place(engine: Engine) -> tuple[str | None, str | None, str | None]:
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        return contact.province_code, contact.regency_code, contact.time_zone


async def test_a_town_at_the_province_question_settles_both_with_one_line(harness: Harness, db_engine: Engine) -> None:
    await reach_the_province_question(harness, 801)
    replies = await harness.telegram_says(801, "wamena")
    assert replies[0] == "Tercatat: Kabupaten Jayawijaya, Papua Pegunungan."
    assert "peran" in replies[1]
    assert stored_place(db_engine) == ("95", "95.01", "Asia/Jayapura")


async def test_province_and_kabupaten_in_one_message(harness: Harness, db_engine: Engine) -> None:
    await reach_the_province_question(harness, 802)
    replies = await harness.telegram_says(802, "Sulsel, Gowa")
    assert replies[0] == "Tercatat: Kabupaten Gowa, Sulawesi Selatan."
    assert stored_place(db_engine) == ("73", "73.06", "Asia/Makassar")


async def test_an_ambiguous_name_is_a_numbered_choice(harness: Harness, db_engine: Engine) -> None:
    await reach_the_province_question(harness, 803)
    replies = await harness.telegram_says(803, "bandung")
    assert "1. Kabupaten Bandung (Jawa Barat)" in replies[0] and "2. Kota Bandung (Jawa Barat)" in replies[0]
    replies = await harness.telegram_says(803, "2")
    assert replies[0] == "Tercatat: Kota Bandung, Jawa Barat."
    assert stored_place(db_engine) == ("32", "32.73", "Asia/Jakarta")


@pytest.mark.parametrize(("text", "code"), [("sungguminasa", "73.06"), ("bonee", "73.08")])
async def test_a_town_or_a_misspelt_name_at_the_kabupaten_question_is_confirmed_back(
    harness: Harness, db_engine: Engine, text: str, code: str
) -> None:
    await reach_the_province_question(harness, 804)
    await harness.telegram_says(804, "sulsel")
    replies = await harness.telegram_says(804, text)
    assert replies[0] == f"Tercatat: {regions.region_name(code)}, Sulawesi Selatan."
    assert stored_place(db_engine)[1] == code


async def test_a_kabupaten_of_another_province_corrects_the_province(harness: Harness, db_engine: Engine) -> None:
    await reach_the_province_question(harness, 805)
    await harness.telegram_says(805, "sulsel")
    replies = await harness.telegram_says(805, "surabaya")
    assert replies[0] == "Tercatat: Kota Surabaya, Jawa Timur."
    assert stored_place(db_engine) == ("35", "35.78", "Asia/Jakarta")
