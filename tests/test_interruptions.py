"""Questions the bot starts on its own (an invitation's RSVP, an activation nudge) arriving while a
teacher is in the middle of something else: each is answered by number, by its Telegram button and
by a word, on both channels, and the interrupted flow goes on with one short line."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.activation.models import ActivationEvent, ActivationProgress
from bot.meetings.models import Invitation, Meeting
from bot.models import Contact
from bot.prompts import Prompt
from tests.factories import Harness, onboarded_contact, telegram_callback_update
from tests.test_meetings import CREATED_AT, create_meeting, travel_to

TELEGRAM_CHAT, WHATSAPP_NUMBER = 73501, "+6281350000001"
SILENCE = timedelta(days=2, hours=1)  # long enough for the first nudge


@dataclass
class Teacher:
    harness: Harness
    engine: Engine
    channel: str

    @property
    def address(self) -> str:
        return str(TELEGRAM_CHAT) if self.channel == "telegram" else f"whatsapp:{WHATSAPP_NUMBER}"

    async def says(self, text: str) -> list[str]:
        if self.channel == "telegram":
            return await self.harness.telegram_says(TELEGRAM_CHAT, text)
        return await self.harness.whatsapp_says(WHATSAPP_NUMBER, text)

    async def presses(self, data: str) -> list[str]:
        before = len(self.harness.telegram.sent_texts(TELEGRAM_CHAT))
        await self.harness.post_telegram(telegram_callback_update(TELEGRAM_CHAT, data))
        await self.harness.settle()
        return self.harness.telegram.sent_texts(TELEGRAM_CHAT)[before:]

    def contact(self) -> Contact:
        with Session(self.engine) as session:
            return session.exec(select(Contact)).one()

    def prompt(self) -> Prompt:
        with Session(self.engine) as session:
            return session.exec(select(Prompt).order_by(col(Prompt.id).desc())).first() or pytest.fail("no prompt")


# --- the flows a teacher can be in -------------------------------------------------------------


async def in_activation(teacher: Teacher) -> None:
    await teacher.says("aktivasi")
    await teacher.says("1")  # step 1 of 5


async def in_meetings(teacher: Teacher) -> None:
    await create_meeting(teacher.harness, title="Rapat lama", starts_at="2027-02-01T09:00:00+07:00")
    await teacher.harness.runtime.tick()
    await teacher.says("2")  # the invitation to the older meeting, answered
    await teacher.says("jadwal")  # the list of upcoming meetings


async def in_privacy(teacher: Teacher) -> None:
    await teacher.says("hapus data")  # "Yakin menghapus…? 1 Ya, hapus 2 Batal"


async def in_helpdesk(teacher: Teacher) -> None:
    await teacher.says("tanya")  # "Apa kendala Anda?"


async def in_onboarding(teacher: Teacher) -> None:
    """Onboarding's role question (a teacher going through her profile again)."""
    with Session(teacher.engine) as session:
        contact = session.exec(select(Contact)).one()
        contact.flow, contact.step = "onboarding", "role"
        session.commit()
    await teacher.says("bantuan")  # help, then the role question asked again


FLOWS: dict[str, tuple[Callable[[Teacher], Awaitable[None]], str]] = {
    "activation": (in_activation, "aktivasi, langkah 1 dari 5"),
    "meetings": (in_meetings, "jadwal pertemuan"),
    "privacy": (in_privacy, "konfirmasi hapus data"),
    "onboarding": (in_onboarding, "pendaftaran"),
    "helpdesk": (in_helpdesk, "pertanyaan Anda"),
}


# --- the prompts that interrupt ----------------------------------------------------------------


async def invitation_arrives(teacher: Teacher) -> None:
    await create_meeting(teacher.harness, title="Klinik coaching PembaTIK")
    await teacher.harness.runtime.tick()
    await teacher.harness.settle()


async def nudge_arrives(teacher: Teacher) -> None:
    clock.advance(SILENCE)
    await teacher.harness.runtime.tick()
    await teacher.harness.settle()
    if teacher.channel == "whatsapp":  # the window closed in two days: the nudge waits for a reply
        await teacher.says("ok")


PROMPTS = {"rsvp": (invitation_arrives, "hadir"), "nudge": (nudge_arrives, "lanjut")}


def case_ids() -> list[tuple[str, str, str, str]]:
    answers = [("telegram", mode) for mode in ("number", "button", "word")]
    answers += [("whatsapp", mode) for mode in ("number", "word")]  # WhatsApp has no buttons here
    return [(channel, flow, kind, mode) for channel, mode in answers for flow in FLOWS for kind in PROMPTS]


@pytest.mark.parametrize(("channel", "flow", "kind", "mode"), case_ids())
async def test_a_prompt_during_a_flow_is_answered_and_the_flow_goes_on(
    harness: Harness, db_engine: Engine, channel: str, flow: str, kind: str, mode: str
) -> None:
    travel_to(CREATED_AT)
    teacher = Teacher(harness, db_engine, channel)
    onboarded_contact(db_engine, channel, teacher.address)
    enter, where = FLOWS[flow]
    if kind == "nudge" and flow != "activation":
        await in_activation(teacher)  # mid-walkthrough, so a nudge will come
    await enter(teacher)
    before = teacher.contact()
    arrive, word = PROMPTS[kind]
    await arrive(teacher)
    prompt = teacher.prompt()
    assert prompt.kind == kind
    if mode == "button":
        replies = await teacher.presses(f"p{prompt.id}:1")
    else:
        replies = await teacher.says("1" if mode == "number" else word)

    assert teacher.prompt().status == "answered" and teacher.prompt().choice == 1
    after = teacher.contact()
    if kind == "rsvp":
        assert any("Anda tercatat hadir di Klinik coaching PembaTIK" in reply for reply in replies)
        assert replies[-1].startswith(f"Kita lanjutkan {where}.")  # one line, not the whole step again
        assert (after.flow, after.step) == (before.flow, before.step)
        assert rsvp_of(db_engine, "Klinik coaching PembaTIK") == "yes"
        assert activation_passes(db_engine) == 0  # no false "Sudah berhasil" in the funnel
    else:
        assert "Data Dapodik" in replies[-1]  # the nudge's "Lanjutkan": back at step 1
        assert (after.flow, after.step) == ("activation", "step")
        assert progress_step(db_engine) == "dapodik"  # step 1, unchanged: nothing was passed


def rsvp_of(engine: Engine, title: str) -> str:
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.title == title)).one()
        return session.exec(select(Invitation).where(Invitation.meeting_id == meeting.id)).one().rsvp


def activation_passes(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(ActivationEvent).where(ActivationEvent.kind == "passed")).all())


def progress_step(engine: Engine) -> str | None:
    with Session(engine) as session:
        return session.exec(select(ActivationProgress)).one().step

