"""The outbox and dispatcher: retries, order per contact, unreachable contacts, status callbacks."""

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from bot import clock
from bot.models import Contact, OutboundMessage
from tests.factories import Harness, whatsapp_form

SERVER_ERROR = {"code": 20500, "message": "Internal Server Error", "more_info": "", "status": 500}


async def test_failed_send_is_retried_and_then_delivered(harness: Harness, db_engine) -> None:
    harness.twilio.fail_next.append((500, SERVER_ERROR))
    await harness.whatsapp_says("+628500001", "halo")
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert message.status == "queued" and message.attempts == 1 and "500" in (message.last_error or "")
    clock.advance(timedelta(seconds=5))
    await harness.settle()
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert message.status == "sent" and message.provider_message_id.startswith("SM")


async def test_send_gives_up_after_bounded_attempts_with_the_reason(harness: Harness, db_engine) -> None:
    harness.twilio.fail_next.extend([(500, SERVER_ERROR)] * 10)
    await harness.whatsapp_says("+628500002", "halo")
    for _ in range(6):
        clock.advance(timedelta(minutes=10))
        await harness.settle()
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert (message.status, message.attempts, message.error_class) == ("failed", 5, "give_up")
    assert "500" in (message.last_error or "")


async def test_messages_to_one_contact_leave_in_order_even_after_a_retry(harness: Harness) -> None:
    number = "+628500003"
    for text in ["halo", "1", "Bu Sari", "sulsel", "bone", "1"]:
        await harness.whatsapp_says(number, text)
    harness.twilio.fail_next.append((503, SERVER_ERROR))
    await harness.whatsapp_says(number, "2")  # answered with two messages: "done" then the menu
    clock.advance(timedelta(seconds=5))
    await harness.settle()
    bodies = harness.twilio.bodies(f"whatsapp:{number}")
    assert "Terima kasih, Bu Sari" in bodies[-2] and "Menu utama" in bodies[-1]


async def test_unsubscribed_whatsapp_number_is_marked_unreachable(harness: Harness, db_engine) -> None:
    harness.twilio.unsubscribed.add("whatsapp:+628500004")
    await harness.whatsapp_says("+628500004", "halo")
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
        contact = session.exec(select(Contact)).one()
    assert (message.status, message.error_class) == ("failed", "unreachable")
    assert contact.unreachable_since is not None


async def test_blocked_telegram_chat_is_marked_unreachable_and_reachable_again_when_it_writes(
    harness: Harness, db_engine
) -> None:
    harness.telegram.blocked_chats.add(31)
    await harness.telegram_says(31, "halo")
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().unreachable_since is not None
    harness.telegram.blocked_chats.clear()
    replies = await harness.telegram_says(31, "1")
    assert "Siapa nama Anda" in replies[0]
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().unreachable_since is None


async def test_telegram_429_waits_retry_after(harness: Harness, db_engine) -> None:
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    harness.telegram.fail_next.append((429, too_many))
    clock.freeze()
    await harness.telegram_says(32, "halo")
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert message.status == "queued"
    assert message.next_attempt_at - clock.utcnow() == timedelta(seconds=7)


async def test_status_callbacks_only_move_forward(harness: Harness, db_engine) -> None:
    await harness.whatsapp_says("+628500005", "halo")
    with Session(db_engine) as session:
        sid = session.exec(select(OutboundMessage)).one().provider_message_id
    for status in ["delivered", "sent", "read", "delivered"]:
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
        response = await harness.post_whatsapp(form, path="/webhooks/whatsapp/status")
        assert response.status_code == 204
    with Session(db_engine) as session:
        assert session.exec(select(OutboundMessage)).one().status == "read"


async def test_status_callback_with_bad_signature_is_refused(harness: Harness) -> None:
    form = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "delivered"}
    response = await harness.post_whatsapp(form, path="/webhooks/whatsapp/status", signature="nope")
    assert response.status_code == 403


async def test_a_worker_that_died_mid_send_leaves_the_message_to_be_sent_again(harness: Harness, db_engine) -> None:
    await harness.post_whatsapp(whatsapp_form("+628500006", "halo"))
    await harness.runtime.handle_pending()
    claimed, _ = await asyncio.to_thread(harness.runtime.dispatcher.claimer.claim, "whatsapp", 10)
    assert len(claimed) == 1  # claimed, then the worker is killed before sending
    await harness.settle()
    assert harness.twilio.bodies("whatsapp:+628500006") == []
    clock.advance(timedelta(minutes=3))
    await harness.runtime.tick()
    await harness.settle()
    assert len(harness.twilio.bodies("whatsapp:+628500006")) == 1


async def test_a_status_callback_saying_the_number_left_whatsapp_marks_the_contact_unreachable(
    harness: Harness, db_engine
) -> None:
    await harness.whatsapp_says("+628500007", "halo")
    with Session(db_engine) as session:
        sid = session.exec(select(OutboundMessage)).one().provider_message_id
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63024", "AccountSid": "AC" + "0" * 32}
    assert (await harness.post_whatsapp(form, path="/webhooks/whatsapp/status")).status_code == 204
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
        contact = session.exec(select(Contact)).one()
    assert (message.status, message.error_class, message.last_error) == (
        "undelivered",
        "unreachable",
        "twilio code 63024",
    )
    assert contact.unreachable_since is not None


async def test_a_status_callback_saying_rate_limited_sends_the_message_again_later(harness: Harness, db_engine) -> None:
    await harness.whatsapp_says("+628500008", "halo")
    with Session(db_engine) as session:
        sid = session.exec(select(OutboundMessage)).one().provider_message_id
    form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "63018", "AccountSid": "AC" + "0" * 32}
    assert (await harness.post_whatsapp(form, path="/webhooks/whatsapp/status")).status_code == 204
    clock.advance(timedelta(minutes=1))
    await harness.settle()
    assert len(harness.twilio.bodies("whatsapp:+628500008")) == 2
    with Session(db_engine) as session:
        assert session.exec(select(OutboundMessage)).one().status == "sent"


async def test_a_status_callback_that_overtakes_the_send_result_is_applied_when_it_is_recorded(
    harness: Harness, db_engine
) -> None:
    sid = "SM" + "e" * 32
    harness.twilio.next_sids.append(sid)
    form = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    assert (await harness.post_whatsapp(form, path="/webhooks/whatsapp/status")).status_code == 204
    await harness.whatsapp_says("+628500007", "halo")
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert (message.provider_message_id, message.status) == (sid, "delivered")
