"""Bringing teachers in from a list: `gurubot import` (E.164 numbers, rows reported, all or
nothing), then the consent invitation; only a teacher who answers and consents is a recipient."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import clock
from bot.broadcasts.importing import ImportRejected, import_teachers
from bot.broadcasts.invitations import send_invitations
from bot.cli import main
from bot.config import get_settings
from bot.models import Contact
from tests.factories import Harness
from tests.test_broadcasts import MORNING, TEXT, create, report
from tests.test_meetings import tick, travel_to

HEADER = "nama,telepon,npsn,provinsi,kabupaten,peran,jenjang\n"
GOOD = HEADER + "Sari Dewi,0812-3456-7890,40300001,Sulawesi Selatan,Bone,guru,sd\n"
BAD_ROWS = (
    HEADER
    + "Sari Dewi,0812-3456-7890,40300001,73,73.08,guru,sd\n"
    + "Andi,12345,40300002,73,73.08,guru,sd\n"
    + "Budi,081234567891,40300003,Atlantis,Bone,guru,sd\n"
    + "Citra,081234567892,40300004,73,Gotham,guru,smp\n"
    + "Dewi,+62 812 3456 7890,40300005,73,73.08,guru,sd\n"
)


def contacts(engine: Engine) -> list[Contact]:
    with Session(engine) as session:
        return list(session.exec(select(Contact)).all())


def test_a_good_row_becomes_an_invited_contact_in_e164(db_engine: Engine) -> None:
    assert import_teachers(db_engine, GOOD.encode(), clock.utcnow()) == 1
    (contact,) = contacts(db_engine)
    assert contact.address == "whatsapp:+6281234567890" and contact.regency_code == "73.08"
    assert contact.consent_given_at is None and contact.time_zone == "Asia/Makassar"


def test_bad_rows_are_each_reported_and_nothing_is_imported(db_engine: Engine) -> None:
    with pytest.raises(ImportRejected) as rejected:
        import_teachers(db_engine, BAD_ROWS.encode(), clock.utcnow())
    problems = rejected.value.problems
    assert problems[0] == "row 3: not a valid phone number: ****5"  # masked: the report may be shown to staff
    assert problems[1] == "row 4: unknown province: Atlantis"
    assert problems[2] == "row 5: unknown kabupaten/kota in Sulawesi Selatan: Gotham"
    assert problems[3] == "row 6: the same phone as row 2"
    assert contacts(db_engine) == []


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"nama;provinsi\nSari;73\n", "missing column(s): phone, kabupaten"),
        (GOOD.replace("Dewi", "Désirée").encode("latin-1"), "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_one_clear_error(db_engine: Engine, raw: bytes, says: str) -> None:
    with pytest.raises(ImportRejected, match=says.replace("(", r"\(").replace(")", r"\)")):
        import_teachers(db_engine, raw, clock.utcnow())
    assert contacts(db_engine) == []


def test_an_already_registered_number_stops_the_import(db_engine: Engine) -> None:
    import_teachers(db_engine, GOOD.encode(), clock.utcnow())
    with pytest.raises(ImportRejected) as rejected:
        import_teachers(db_engine, GOOD.encode(), clock.utcnow())
    assert rejected.value.problems == ["row 2: already registered"]


async def test_invitation_then_consent_makes_a_recipient(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    import_teachers(db_engine, GOOD.encode(), clock.utcnow())
    before = await create(harness, confirm_all=True)
    await tick(harness)
    assert (await report(harness, before["id"]))["skipped"] == {"no_consent": 1}
    assert send_invitations(db_engine, clock.utcnow()) == 1
    assert send_invitations(db_engine, clock.utcnow()) == 0  # once
    await harness.settle()
    invitation = harness.twilio.messages[-1]
    assert (
        invitation["ContentSid"] == "HX00000000000000000000000000000004"
        and "Sari Dewi" in invitation["ContentVariables"]
    )
    shown = (await harness.whatsapp_says("+6281234567890", "data saya"))[0]  # before consent: what the list brought
    assert "Nama: Sari Dewi" in shown and "Kabupaten Bone" in shown
    replies = await harness.whatsapp_says("+6281234567890", "halo")
    assert "Kami minta izin menyimpan data Anda" in replies[0]
    for text in ("1", "Sari Dewi", "sulsel", "bone", "1", "2"):
        await harness.whatsapp_says("+6281234567890", text)
    after = await create(harness, confirm_all=True)
    await tick(harness)
    assert any(TEXT in body for body in harness.twilio.bodies("whatsapp:+6281234567890"))
    assert (await report(harness, after["id"]))["counts"]["sent"] == 1


def test_gurubot_import_reports_the_rows_and_exits_1(
    db_engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GURUBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    (tmp_path / "guru.csv").write_text(BAD_ROWS)
    assert main(["import", str(tmp_path / "guru.csv")]) == 1
    printed = capsys.readouterr()
    assert "4 row(s) wrong; nothing imported" in printed.err and "row 4: unknown province: Atlantis" in printed.err
    (tmp_path / "guru.csv").write_text(GOOD)
    assert main(["import", str(tmp_path / "guru.csv")]) == 0
    assert "1 teachers imported" in capsys.readouterr().out
    get_settings.cache_clear()
