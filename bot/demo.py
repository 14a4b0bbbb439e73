"""Demo data for `make run`: a demo admin so the staff API can be tried at /docs, and the
simulator's volunteer chat, joined as a Duta Teknologi."""

import logging
from datetime import datetime

from sqlmodel import Session, select

from bot.config import Settings
from bot.db import get_engine, session_scope
from bot.helpdesk.volunteers import VolunteerCreate, active_volunteer, join, register
from bot.models import Contact
from bot.staff import Staff, hash_token

log = logging.getLogger(__name__)
DEMO_TOKEN = "demo-staff-sulsel"


def seed_demo_data(settings: Settings) -> None:
    with session_scope(get_engine()) as session:
        exists = session.exec(select(Staff).where(Staff.token_hash == hash_token(DEMO_TOKEN))).first()
        if exists is None:
            session.add(
                Staff(
                    name="BTIKP Sulawesi Selatan (demo)", role="staff", province="73", token_hash=hash_token(DEMO_TOKEN)
                )
            )
    print(f"demo staff token (province 73): {DEMO_TOKEN}")


SIMULATOR_VOLUNTEER = "Ayu (simulator)"
DEMO_PROVINCE = "73"


def simulator_volunteer(session: Session, address: str, province: str | None, now: datetime) -> None:
    """The volunteer chat of the two-chat simulator: registered and joined (as if it had sent its
    `DUTA <code>`), covering the province in view at every hour, so a teacher's question reaches it."""
    contact = session.exec(select(Contact).where(Contact.channel == "simulator", Contact.address == address)).first()
    if contact is None:
        contact = Contact(channel="simulator", address=address)
        session.add(contact)
        session.flush()
    if active_volunteer(session, contact) is not None:
        return
    body = VolunteerCreate(
        name=SIMULATOR_VOLUNTEER, channel="simulator", address=address, work_start="00:00", work_end="23:59"
    )
    _, code = register(session, body, [province or DEMO_PROVINCE], SIMULATOR_VOLUNTEER)
    join(session, contact, code, now)
