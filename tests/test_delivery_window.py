"""WhatsApp's 24-hour window: outside it an approved template goes instead of free text, the real
message waits (parked) and leaves when the teacher writes; reminders may carry their own template."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock, runtime
from bot.config import Settings
from bot.conversation import Reply
from bot.delivery import templates
from bot.errors import ContentError
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from tests.factories import Harness
from tests.fakes import FakeTelegram, FakeTwilio, reset_faults

NUMBER = "+628700001"
ADDRESS = f"whatsapp:{NUMBER}"


@pytest.fixture(autouse=True)
def healthy_providers_afterwards(fake_telegram: FakeTelegram, fake_twilio: FakeTwilio) -> Iterator[None]:
    yield
    reset_faults(fake_telegram, fake_twilio)


def content_sid(name: str) -> str:
    return templates.whatsapp_templates()[name].content_sid


def remind(engine: Engine, *texts: str, **template: object) -> None:
    with Session(engine) as session:
        contact = session.exec(select(Contact).where(Contact.address == ADDRESS)).one()
        for text in texts:
            enqueue(session, contact, Reply(text, kind="reminder", priority=Priority.REMINDER), **template)  # type: ignore[arg-type]
        session.commit()


async def parked_behind_the_window(harness: Harness, engine: Engine, *texts: str) -> None:
    """The teacher wrote, then went silent 25 hours; reminders now wait behind the template."""
    await harness.whatsapp_says(NUMBER, "halo")
    clock.advance(timedelta(hours=25))
    remind(engine, *texts)
    await harness.settle()


async def reminder_reported_outside_the_window(harness: Harness, engine: Engine) -> None:
    """Twilio's status callback: the reminder sent as free text was refused (63016)."""
    with Session(engine) as session:
        sid = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "reminder")).one().provider_message_id
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63016", "AccountSid": "AC" + "0" * 32}
    assert (await harness.post_whatsapp(form, path="/webhooks/whatsapp/status")).status_code == 204
    await harness.settle()


def statuses(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        query = select(OutboundMessage).where(OutboundMessage.kind != "reply").order_by(col(OutboundMessage.id))
        rows = session.exec(query).all()
        return [(row.kind, row.status) for row in rows]


async def test_outside_the_window_one_template_goes_and_messages_wait_for_the_teachers_reply(
    harness: Harness, db_engine: Engine
) -> None:
    await parked_behind_the_window(harness, db_engine, "Pengingat pertama", "Pengingat kedua")
    sent = harness.twilio.messages[1:]
    assert [(m.get("ContentSid"), m.get("Body")) for m in sent] == [(content_sid("new_message"), None)]
    assert statuses(db_engine) == [("reminder", "parked"), ("reminder", "parked"), ("window_notice", "sent")]
    replies = await harness.whatsapp_says(NUMBER, "1")  # the answer to "reply to read it"
    assert replies == ["Pengingat pertama", "Pengingat kedua"], "the reply opens the window; it answers nothing else"
    assert statuses(db_engine) == [("reminder", "sent"), ("reminder", "sent"), ("window_notice", "sent")]
    replies = await harness.whatsapp_says(NUMBER, "1")  # now it agrees to the privacy notice
    assert "Siapa nama Anda" in replies[0]


async def test_berhenti_in_reply_to_the_template_drops_what_waited(harness: Harness, db_engine: Engine) -> None:
    await parked_behind_the_window(harness, db_engine, "Pengingat pertama")
    replies = await harness.whatsapp_says(NUMBER, "BERHENTI")
    assert len(replies) == 1 and "tidak akan menerima pengumuman" in replies[0]
    assert ("reminder", "failed") in statuses(db_engine)


async def test_a_real_question_in_reply_to_the_template_is_answered_after_what_waited(
    harness: Harness, db_engine: Engine
) -> None:
    await parked_behind_the_window(harness, db_engine, "Pengingat pertama")
    replies = await harness.whatsapp_says(NUMBER, "bantuan")
    assert replies[0] == "Pengingat pertama" and "Bantuan GuruBot" in replies[1]


async def test_queued_reminders_are_not_sent_after_berhenti(harness: Harness, db_engine: Engine) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    with Session(db_engine) as session:  # a broadcast backlog is waiting when the teacher says stop
        contact = session.exec(select(Contact).where(Contact.address == ADDRESS)).one()
        enqueue(session, contact, Reply("Pengumuman BTIKP", kind="broadcast", priority=Priority.BROADCAST))
        contact.opted_out_at = clock.utcnow()
        session.commit()
    await harness.settle()
    assert "Pengumuman BTIKP" not in harness.twilio.bodies(ADDRESS)
    assert ("broadcast", "failed") in statuses(db_engine)


async def test_within_the_window_messages_go_as_free_text(harness: Harness, db_engine: Engine) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    clock.advance(timedelta(hours=23))
    remind(
        db_engine,
        "Pengingat rapat",
        template="meeting_reminder",
        template_variables={"title": "Rapat", "local_time": "10.00 WITA"},
    )
    await harness.settle()
    assert harness.twilio.bodies(ADDRESS)[-1] == "Pengingat rapat"


async def test_a_reminder_with_its_own_template_goes_as_that_template_outside_the_window(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    clock.advance(timedelta(days=3))
    variables = {"title": "Rapat guru penggerak", "local_time": "Selasa 10.00 WITA"}
    remind(db_engine, "Pengingat: Rapat guru penggerak", template="meeting_reminder", template_variables=variables)
    await harness.settle()
    last = harness.twilio.messages[-1]
    assert last["ContentSid"] == content_sid("meeting_reminder") and "Body" not in last
    assert json.loads(last["ContentVariables"]) == {"1": "Rapat guru penggerak", "2": "Selasa 10.00 WITA"}
    assert statuses(db_engine) == [("reminder", "sent")]


async def test_error_63016_at_send_time_parks_the_message_behind_a_template(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    harness.twilio.outside_window.add(ADDRESS)  # the provider's clock disagrees with ours
    remind(db_engine, "Pengingat")
    await harness.settle()
    assert harness.twilio.messages[-1]["ContentSid"] == content_sid("new_message")
    assert statuses(db_engine) == [("reminder", "parked"), ("window_notice", "sent")]
    harness.twilio.outside_window.clear()
    replies = await harness.whatsapp_says(NUMBER, "1")
    assert replies[0] == "Pengingat"


async def test_error_63016_in_a_status_callback_parks_the_message_behind_a_template(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    remind(db_engine, "Pengingat")
    await harness.settle()
    await reminder_reported_outside_the_window(harness, db_engine)
    assert harness.twilio.messages[-1]["ContentSid"] == content_sid("new_message")
    assert statuses(db_engine) == [("reminder", "parked"), ("window_notice", "sent")]


async def test_parked_messages_fail_with_a_reason_when_the_teacher_never_writes_back(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    clock.advance(timedelta(days=2))
    remind(db_engine, "Pengingat")
    await harness.settle()
    clock.advance(timedelta(days=8))
    await harness.runtime.tick()
    with Session(db_engine) as session:
        reminder = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "reminder")).one()
    assert (reminder.status, reminder.error_class) == ("failed", "expired")
    assert "7 days" in (reminder.last_error or "")


async def test_a_missing_template_stops_the_start_with_a_clear_error(
    settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio, monkeypatch
) -> None:
    monkeypatch.setattr(runtime, "required_templates", lambda: {"new_message", "rapat_dibatalkan"})
    with pytest.raises(ContentError, match="rapat_dibatalkan"):
        async with Harness.running(settings, db_engine, fake_telegram, fake_twilio):
            pass
    without_whatsapp = settings.model_copy(update={"twilio_auth_token": None})
    async with Harness.running(without_whatsapp, db_engine, fake_telegram, fake_twilio):
        pass  # templates matter only when WhatsApp is on


def remind_with_template(engine: Engine) -> None:
    variables = {"title": "Rapat", "local_time": "10.00 WITA"}
    remind(engine, "Pengingat rapat", template="meeting_reminder", template_variables=variables)


def assert_the_reminder_went_again_as_its_template(harness: Harness, engine: Engine) -> None:
    refused, again = harness.twilio.messages[-2:]
    assert refused["Body"] == "Pengingat rapat" and "ContentSid" not in refused
    assert again["ContentSid"] == content_sid("meeting_reminder") and "Body" not in again
    assert statuses(engine) == [("reminder", "sent")]  # no notice: nothing waits


async def test_a_reminder_refused_as_free_text_at_send_time_goes_again_as_its_template(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    harness.twilio.outside_window.add(ADDRESS)  # within our window, outside the provider's
    remind_with_template(db_engine)
    await harness.settle()
    assert_the_reminder_went_again_as_its_template(harness, db_engine)


async def test_a_reminder_refused_as_free_text_in_a_status_callback_goes_again_as_its_template(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")
    remind_with_template(db_engine)
    await harness.settle()
    await reminder_reported_outside_the_window(harness, db_engine)
    assert_the_reminder_went_again_as_its_template(harness, db_engine)
