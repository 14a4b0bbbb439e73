"""Terminal commands of broadcasts: `gurubot import teachers.csv`, `gurubot invite` and
`gurubot broadcast`, each with a progress bar (tqdm) on stderr."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.config import Settings

SENT_STATES = ("sent", "delivered", "read", "failed", "waiting_for_reply")
WATCH_SECONDS = 1.0


@dataclass(frozen=True)
class TerminalOperator:
    """Whoever runs the command on the server: a national admin (the audit log says "terminal")."""

    name: str = "terminal"
    is_admin: bool = True
    province: str | None = None


def add_commands(commands: Any) -> None:
    """The subcommands, added to `gurubot`'s parser."""
    importer = commands.add_parser("import", help="import teachers from a CSV (invited contacts, not consented)")
    importer.add_argument("file", type=Path)
    importer.set_defaults(command=import_command)
    commands.add_parser("invite", help="send the consent invitation to imported teachers").set_defaults(
        command=invite_command
    )
    sender = commands.add_parser("broadcast", help="send an announcement and watch it go out")
    sender.add_argument("--text", required=True)
    for option in ("province", "regency", "role", "school-level"):
        sender.add_argument(f"--{option}", action="append", default=[])
    sender.add_argument("--all", action="store_true", help="confirm an audience of everyone")
    sender.set_defaults(command=broadcast_command)


def with_bar(rows: Iterable[dict[str, str]], total: int) -> Iterable[dict[str, str]]:
    bar: Iterable[dict[str, str]] = tqdm(rows, total=total, desc="checking rows", unit="row", file=sys.stderr)
    return bar


def import_command(args: argparse.Namespace, _settings: Settings) -> int:
    from bot.broadcasts.importing import ImportRejected, import_teachers
    from bot.clock import utcnow
    from bot.db import get_engine

    try:
        count = import_teachers(get_engine(), args.file.read_bytes(), utcnow(), progress=with_bar)
    except OSError as error:
        print(f"gurubot import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    except ImportRejected as error:
        print(f"gurubot import: {error}", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"{count} teachers imported as invited contacts; `gurubot invite` sends them the consent invitation")
    return 0


def invite_command(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.broadcasts.invitations import send_invitations
    from bot.clock import utcnow
    from bot.db import get_engine

    count = send_invitations(get_engine(), utcnow())
    print(f"{count} consent invitations queued; the worker sends them at the provider's pace")
    return 0


def broadcast_command(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from bot.broadcasts.models import BroadcastCreate
    from bot.errors import GurubotError

    audience = {
        "provinces": args.province,
        "regencies": args.regency,
        "roles": args.role,
        "school_levels": args.school_level,
    }
    try:
        body = BroadcastCreate.model_validate({"text": args.text, "audience": audience, "confirm_all": args.all})
        broadcast_id, count = create(body)
    except (ValidationError, GurubotError) as error:
        print(f"gurubot broadcast: {error}", file=sys.stderr)
        return 1
    print(f"broadcast {broadcast_id}: {count} recipients")
    asyncio.run(send_and_watch(settings, broadcast_id, count))
    return 0


def create(body: Any) -> tuple[int, int]:
    from bot.broadcasts.services import create_broadcast
    from bot.clock import utcnow
    from bot.db import get_engine, session_scope

    with session_scope(get_engine()) as session:
        broadcast, count = create_broadcast(session, body, TerminalOperator(), utcnow())
        return broadcast.id or 0, count


async def send_and_watch(settings: Settings, broadcast_id: int, total: int) -> None:
    """Run a worker in this process (beside any others) and show the counts the API shows."""
    from bot.db import get_engine
    from bot.runtime import Runtime

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # the bar is the news here
    runtime = Runtime(settings.model_copy(update={"inprocess_worker": True}), get_engine())
    await runtime.start()
    try:
        with tqdm(total=total, desc=f"broadcast {broadcast_id}", unit="msg", file=sys.stderr) as bar:
            while True:
                status, counts = await asyncio.to_thread(progress_of, settings, broadcast_id)
                bar.update(sum(counts[state] for state in SENT_STATES) - bar.n)
                bar.set_postfix(status=status, deferred=counts["deferred"], failed=counts["failed"], refresh=False)
                if status in ("done", "cancelled"):
                    break
                await asyncio.sleep(WATCH_SECONDS)
    finally:
        await runtime.stop()


def progress_of(settings: Settings, broadcast_id: int) -> tuple[str, dict[str, int]]:
    from bot.broadcasts.models import Broadcast
    from bot.broadcasts.report import broadcast_report
    from bot.clock import utcnow
    from bot.db import get_engine, session_scope

    with session_scope(get_engine()) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        report = broadcast_report(session, broadcast, TerminalOperator(), utcnow(), settings)
        return report.status, report.counts
