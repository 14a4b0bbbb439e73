"""Meeting times the Indonesian way, quiet hours, start-time suggestions and the calendar file."""

from datetime import UTC, date, datetime, timedelta, timezone

from bot.meetings.ics import calendar_file, fold
from bot.meetings.models import Meeting
from bot.meetings.scheduling import notice_due, plan_reminders
from bot.meetings.suggest import suggest_times
from bot.meetings.timefmt import ZONE_BY_LABEL, moment_text, organiser_zone, zone_of
from bot.models import Contact

WIB, WITA, WIT = ZONE_BY_LABEL["WIB"], ZONE_BY_LABEL["WITA"], ZONE_BY_LABEL["WIT"]
PLUS7 = timezone(timedelta(hours=7))
MAKASSAR = "Asia/Makassar"


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PLUS7)


def wita(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone(timedelta(hours=8)))


def test_a_meeting_at_nine_wib_reads_ten_wita_and_eleven_wit() -> None:
    start = wib(2026, 12, 1, 9)
    assert moment_text(start, WIB) == "Selasa, 1 Desember 2026 pukul 09.00 WIB"
    assert moment_text(start, WITA) == "Selasa, 1 Desember 2026 pukul 10.00 WITA"
    assert moment_text(start, WIT) == "Selasa, 1 Desember 2026 pukul 11.00 WIT"


def test_dates_cross_month_and_year_boundaries_in_indonesian() -> None:
    new_year_eve = wib(2026, 12, 31, 23, 30)
    assert moment_text(new_year_eve, WIB) == "Kamis, 31 Desember 2026 pukul 23.30 WIB"
    assert moment_text(new_year_eve, WITA) == "Jumat, 1 Januari 2027 pukul 00.30 WITA"
    end_of_february = wib(2027, 2, 28, 23, 15)
    assert moment_text(end_of_february, WIT) == "Senin, 1 Maret 2027 pukul 01.15 WIT"
    end_of_november = wib(2026, 11, 30, 22, 0)
    assert moment_text(end_of_november, WITA) == "Senin, 30 November 2026 pukul 23.00 WITA"
    assert moment_text(end_of_november, WIT) == "Selasa, 1 Desember 2026 pukul 00.00 WIT"


def test_every_day_and_month_has_its_indonesian_name() -> None:
    week = [moment_text(wib(2026, 11, 30, 12) + timedelta(days=n), WIB).split(",")[0] for n in range(7)]
    assert week == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    months = [moment_text(wib(2027, month, 15, 12), WIB).split(" ")[2] for month in range(1, 13)]
    assert months[:3] == ["Januari", "Februari", "Maret"] and months[4] == "Mei" and months[7] == "Agustus"


def test_teacher_zone_comes_from_the_province_and_kalimantan_barat_is_wib() -> None:
    kalbar = Contact(channel="telegram", address="1", province_code="61", time_zone="Asia/Pontianak")
    sulsel = Contact(channel="telegram", address="2", province_code="73", time_zone=MAKASSAR)
    unknown = Contact(channel="telegram", address="3")
    assert (zone_of(kalbar).label, zone_of(kalbar).iana) == ("WIB", "Asia/Pontianak")
    assert zone_of(sulsel).label == "WITA"
    assert zone_of(unknown).label == "WIB"


def test_organiser_time_uses_wib_for_offsets_outside_indonesia() -> None:
    assert organiser_zone(8 * 60).label == "WITA"
    assert organiser_zone(0).label == "WIB"


def test_a_day_before_reminder_in_quiet_hours_moves_to_the_evening_before() -> None:
    start = wita(2026, 12, 2, 23)  # 24 hours before: 23.00 WITA, inside quiet hours
    planned = plan_reminders(start, [1440, 60], MAKASSAR, now=wita(2026, 11, 25, 10))
    assert [p.due_at for p in planned] == [wita(2026, 12, 1, 20, 59), wita(2026, 12, 2, 22)]


def test_a_reminder_at_the_first_quiet_minute_moves_one_minute_earlier() -> None:
    start = wita(2026, 12, 2, 7)  # ten hours before is 21.00, when quiet hours begin
    planned = plan_reminders(start, [600], MAKASSAR, now=wita(2026, 11, 25, 10))
    assert planned[0].due_at == wita(2026, 12, 1, 20, 59)


def test_a_reminder_after_midnight_moves_to_the_evening_before() -> None:
    start = wita(2026, 12, 2, 9)  # eight hours before is 01.00, after midnight
    planned = plan_reminders(start, [480], MAKASSAR, now=wita(2026, 11, 25, 10))
    assert planned[0].due_at == wita(2026, 12, 1, 20, 59)


def test_one_hour_reminder_is_always_on_time_even_at_night() -> None:
    start = wita(2026, 12, 2, 5, 30)
    planned = plan_reminders(start, [60], MAKASSAR, now=wita(2026, 11, 25, 10))
    assert planned[0].due_at == wita(2026, 12, 2, 4, 30)


def test_passed_reminders_collapse_into_one_right_away() -> None:
    now = wita(2026, 12, 1, 10)
    planned = plan_reminders(now + timedelta(minutes=40), [1440, 60], MAKASSAR, now)
    assert [(p.offset_minutes, p.due_at) for p in planned] == [(60, now)]


def test_passed_reminders_are_dropped_without_catch_up_and_after_the_start() -> None:
    now = wita(2026, 12, 1, 10)
    assert plan_reminders(now + timedelta(minutes=40), [1440, 60], MAKASSAR, now, catch_up=False) == []
    assert plan_reminders(now - timedelta(minutes=1), [60], MAKASSAR, now) == []


def test_notices_in_quiet_hours_wait_for_the_morning_but_not_past_the_last_hour() -> None:
    late_evening = wita(2026, 11, 30, 22)
    assert notice_due(late_evening, wita(2026, 12, 3, 9), MAKASSAR) == wita(2026, 12, 1, 6)
    assert notice_due(late_evening, wita(2026, 12, 1, 6, 30), MAKASSAR) == wita(2026, 12, 1, 5, 30)
    assert notice_due(wita(2026, 11, 30, 12), wita(2026, 12, 3, 9), MAKASSAR) == wita(2026, 11, 30, 12)


def test_suggestions_fit_everyones_working_hours_best_first() -> None:
    now = wib(2026, 11, 24, 10)
    suggestions = suggest_times({"WIB", "WIT"}, 60, date(2026, 12, 1), now)
    assert suggestions[0].starts_at == wib(2026, 12, 1, 10, 30)
    assert suggestions[0].local == {"WIB": "10.30", "WIT": "12.30"}
    starts = [s.starts_at for s in suggestions]
    assert min(starts) == wib(2026, 12, 1, 8) and max(starts) == wib(2026, 12, 1, 13)
    assert suggestions[0].starts_at.isoformat() == "2026-12-01T10:30:00+07:00"


def test_suggestions_for_one_zone_centre_on_midday_and_skip_the_past() -> None:
    suggestions = suggest_times({"WITA"}, 60, date(2026, 12, 1), wita(2026, 12, 1, 12))
    assert suggestions[0].local == {"WITA": "12.30"}
    assert all(s.starts_at > wita(2026, 12, 1, 12) for s in suggestions)
    assert suggest_times({"WIB", "WIT"}, 7 * 60, date(2026, 12, 1), wib(2026, 11, 24, 10)) == []


def test_calendar_file_has_utc_times_crlf_lines_and_escaped_text() -> None:
    meeting = Meeting(
        id=7,
        title="Klinik coaching; PembaTIK, level 2",
        agenda="Sesi 1\nSesi 2",
        join_url="https://meet.example.org/abc",
        starts_at=wib(2026, 12, 1, 9).astimezone(UTC),
        duration_minutes=90,
        short_code="AbCd1234",
        updated_at=datetime(2026, 11, 25, tzinfo=UTC),
    )
    text = calendar_file(meeting)
    lines = text.split("\r\n")
    assert "DTSTART:20261201T020000Z" in lines and "DTEND:20261201T033000Z" in lines
    assert "SUMMARY:Klinik coaching\\; PembaTIK\\, level 2" in lines
    assert "DESCRIPTION:Sesi 1\\nSesi 2\\n\\nhttps://meet.example.org/abc" in lines
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_long_calendar_lines_fold_at_75_octets_without_splitting_characters() -> None:
    folded = fold("SUMMARY:" + "é" * 100)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(piece[1:] if n else piece for n, piece in enumerate(pieces)) == "SUMMARY:" + "é" * 100
