"""Staff read a meeting's reflections as JSON or CSV (Excel-ready), with a summary a facilitator
takes in at a glance: response rate, ratings, themes with quotes; only inside their province."""

import csv
import io
from datetime import timedelta

from sqlalchemy import Engine

from bot.reflections.summary import inert
from bot.reflections.themes import find_themes
from tests.factories import Harness
from tests.test_meetings import ADMIN, CREATED_AT, add_teacher, create_meeting, staff_token, tick, travel_to
from tests.test_reflections import ENDS

JOSE_SUMMARY = "Menerapkan kuis café literasi; ñ juga"
TEACHERS = {7301: "Iñaki José Ñuñez", 7302: "Ni Wayan Sudarsana", 7303: "Andi Besse Tenriawaru"}
FIRST_NAMES = ["Iñaki", "Wayan", "Andi"]  # staff read first names only


async def reflect(harness: Harness, chat_id: int, *answers: str) -> None:
    """Open the reflection from its prompt and answer each question."""
    await harness.telegram_says(chat_id, "1")
    for text in answers:
        await harness.telegram_says(chat_id, text)


async def a_reflected_meeting(harness: Harness, db_engine: Engine) -> int:
    """Three Sulsel teachers invited by Sulsel staff; two reflect, one does not."""
    travel_to(CREATED_AT)
    for chat_id, name in TEACHERS.items():
        add_teacher(db_engine, chat_id, "73", name=name, regency_code="73.71")
    sulsel = await staff_token(harness, "73")
    created = await create_meeting(harness, headers=sulsel, audience={"provinces": ["73"]})
    await tick(harness)
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    await reflect(harness, 7301, "5", JOSE_SUMMARY, "Kuis di awal\nDiskusi berpasangan\nRefleksi")
    await reflect(harness, 7302, "empat", "Penerapan kuis membuat siswa aktif", "Kuis interaktif; kelompok; jurnal")
    return int(created["id"])


async def test_staff_read_the_reflections_and_their_summary_as_json(harness: Harness, db_engine: Engine) -> None:
    meeting_id = await a_reflected_meeting(harness, db_engine)
    sulsel = await staff_token(harness, "73")
    response = await harness.client.get(f"/api/meetings/{meeting_id}/reflections", headers=sulsel)
    assert response.status_code == 200, response.text
    body = response.json()
    summary = body["summary"]
    assert (summary["asked"], summary["answered"], summary["response_rate"]) == (3, 2, 0.667)
    assert summary["rating"] == {
        "count": 2,
        "average": 4.5,
        "spread": 0.5,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    }
    top = summary["themes"][0]
    assert top["word"] == "kuis" and top["count"] == 2
    assert top["examples"][0].startswith(JOSE_SUMMARY) and "Penerapan kuis" in top["examples"][1]
    assert [row["name"] for row in body["reflections"]] == FIRST_NAMES
    assert body["reflections"][0]["place"] == "Kota Makassar, Sulawesi Selatan"
    assert "address" not in response.text and "7301" not in response.text  # no chat ids


async def test_the_csv_opens_with_every_indonesian_character_intact(harness: Harness, db_engine: Engine) -> None:
    meeting_id = await a_reflected_meeting(harness, db_engine)
    response = await harness.client.get(f"/api/meetings/{meeting_id}/reflections?format=csv", headers=ADMIN)
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "id", "name", "place", "rsvp", "status", "rating", "summary",
        "changes_1", "changes_2", "changes_3", "applied", "completed_at",
    ]  # fmt: skip
    jose = rows[1]
    assert jose[:7] == [
        "1", "Iñaki", "Kota Makassar, Sulawesi Selatan", "none", "done", "5",
        JOSE_SUMMARY,
    ]  # fmt: skip
    assert jose[7:10] == ["Kuis di awal", "Diskusi berpasangan", "Refleksi"]
    assert rows[2][1] == "Wayan" and rows[2][5] == "4"
    assert rows[3][1:6] == ["Andi", "Kota Makassar, Sulawesi Selatan", "none", "asked", ""]


async def test_another_provinces_staff_get_403(harness: Harness, db_engine: Engine) -> None:
    meeting_id = await a_reflected_meeting(harness, db_engine)
    papua = await staff_token(harness, "91")
    for suffix in ("", "?format=csv"):
        response = await harness.client.get(f"/api/meetings/{meeting_id}/reflections{suffix}", headers=papua)
        assert response.status_code == 403
    assert (await harness.client.get(f"/api/meetings/{meeting_id}/reflections")).status_code == 401


def test_the_themes_of_a_small_set_are_what_a_person_would_list() -> None:
    reflections = [
        "Saya akan menerapkan kuis interaktif di awal pelajaran",
        "Penerapan kuis membuat siswa lebih aktif",
        "Terapkan diskusi kelompok kecil dan kuisnya",
        "Membagi kelompok belajar sesuai kemampuan",
        "Memberi umpan balik cepat lewat Google Form",
        "Umpan balik tertulis untuk setiap kelompok",
        "Saya senang sekali, terima kasih",
    ]
    themes = find_themes(reflections)
    assert [(theme.word, theme.count) for theme in themes[:3]] == [("kelompok", 3), ("kuis", 3), ("menerapkan", 3)]
    assert {theme.word for theme in themes[3:]} == {"umpan", "balik"}
    assert themes[1].examples == reflections[:3]
    assert all(theme.word not in ("saya", "akan", "dan", "terima") for theme in themes)


def test_a_cell_excel_would_run_as_a_formula_is_kept_as_text() -> None:
    assert [inert(cell) for cell in ["=HYPERLINK(\"x\")", "+1", "-", "@SUM(A1)", "4", "Bagus"]] == [
        "'=HYPERLINK(\"x\")",
        "'+1",
        "'-",
        "'@SUM(A1)",
        "4",
        "Bagus",
    ]
