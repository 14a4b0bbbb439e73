"""The inbound benchmark's database: emptied, seeded with onboarded teachers, asked what still waits."""

import os
from collections import defaultdict

from sqlalchemy import text
from sqlmodel import Session

from bench.delivery_setup import empty_schema
from bench.inbound_processes import clean_environment, cpu_seconds
from bot.clock import utcnow
from bot.db import make_engine
from bot.models import Consent, Contact
from bot.regions import time_zone_of

DEFAULT_DATABASE = os.environ.get("GURUBOT_BENCH_INBOUND_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_inbound")
TEACHER_CHAT = 700_000_000  # chat ids of the teachers under load: TEACHER_CHAT + n
WARM_UP_CHAT = 799_000_000  # and of the ones who write once before the load starts
PROVINCE = "73"  # Sulawesi Selatan, as in tests/factories.py


def gurubot_environment(
    database: str, channel_settings: dict[str, str], log_level: str, inprocess_worker: bool
) -> dict[str, str]:
    """Production settings, except the provider (the fake, its global send limit lifted)."""
    return clean_environment(
        {
            "GURUBOT_DATABASE_URL": database,
            "GURUBOT_INPROCESS_WORKER": "1" if inprocess_worker else "0",
            "GURUBOT_LOG_LEVEL": log_level,
            **channel_settings,
        }
    )


def fresh_database(url: str) -> None:
    engine = make_engine(url)
    empty_schema(engine)
    engine.dispose()


def seed_teachers(url: str, channel: str, addresses: list[str]) -> None:
    """Onboarded teachers resting in the main menu, as tests/factories.py `onboarded_contact`."""
    now = utcnow()
    zone = time_zone_of(PROVINCE).iana
    contacts = [
        Contact(
            channel=channel,
            address=address,
            name=f"Guru {address[-4:]}",
            province_code=PROVINCE,
            time_zone=zone,
            role="guru",
            school_level="sd",
            flow="menu",
            step="main",
            consent_given_at=now,
            onboarded_at=now,
        )
        for address in addresses
    ]
    engine = make_engine(url)
    with Session(engine) as session:
        session.add_all(contacts)
        session.flush()
        session.add_all(
            Consent(contact_id=contact.id or 0, text_version="onboarding.privacy@bench") for contact in contacts
        )
        session.commit()
    engine.dispose()


def pending_per_chat(url: str, replies_per_message: int) -> dict[str, int]:
    """Messages per chat still waiting: inbound not handled yet, replies not sent yet."""
    waiting: defaultdict[str, int] = defaultdict(int)
    engine = make_engine(url)
    with engine.connect() as connection:
        inbound = connection.execute(
            text("SELECT address, count(*) FROM inbound_message WHERE status = 'received' GROUP BY address")
        )
        for address, count in inbound:
            waiting[address] += count
        outbound = connection.execute(
            text(
                "SELECT address, count(*) FROM outbound_message WHERE status IN ('queued', 'sending')"
                " AND kind <> 'callback_answer' GROUP BY address"
            )
        )
        for address, count in outbound:
            waiting[address] += -(-count // replies_per_message)
    engine.dispose()
    return dict(waiting)


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving the benchmark's database (same machine)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def backends(self) -> dict[int, float]:
        with self.engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalars()
            return {pid: cpu_seconds(pid) for pid in pids}

    def since(self, before: dict[int, float]) -> float:
        """Seconds used since `before`; a backend that started meanwhile counts whole, one that ended is missed."""
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in self.backends().items())

    def close(self) -> None:
        self.engine.dispose()
