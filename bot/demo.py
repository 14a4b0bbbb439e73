"""Demo data for `make run`: a demo admin so the staff API can be tried at /docs."""

import logging

from sqlmodel import select

from bot.config import Settings
from bot.db import get_engine, session_scope
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
