"""The `gurubot` command: serve, migrate, demo, chat, worker, outbox, set-webhooks, import, invite, broadcast."""

import argparse
import asyncio
import logging
import os
import signal
import sys
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import uvicorn
from pydantic import ValidationError

from bot.broadcasts.cli import add_commands as add_broadcast_commands
from bot.config import Settings, get_settings, production_problems

log = logging.getLogger("gurubot")
Command = Callable[[argparse.Namespace, Settings], int]
PARENT_CHECK_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as error:
        return refuse("the settings are not valid", [settings_error_line(detail) for detail in error.errors()])
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_request_logs()
    result: int = args.command(args, settings)
    return result


def quiet_request_logs() -> None:
    """httpx logs every request URL at INFO, and Telegram's URLs carry the bot token."""
    for name in ("httpx", "httpcore", "telegram", "aiohttp.client"):
        logging.getLogger(name).setLevel(logging.WARNING)


def refuse(reason: str, problems: list[str]) -> int:
    """Say on stderr why gurubot will not start, one line per problem, and give the exit status."""
    print(f"gurubot: not starting, {reason}:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def settings_error_line(detail: Mapping[str, Any]) -> str:
    """One line per invalid setting, named as the operator sets it; never the value (a secret?)."""
    message = str(detail["msg"]).removeprefix("Value error, ")
    location = detail["loc"]
    return f"GURUBOT_{str(location[0]).upper()}: {message}" if location else message


def unsafe_for_production(settings: Settings) -> int | None:
    """The exit status when GURUBOT_ENV=production meets unsafe settings; None when start-up may go on."""
    problems = production_problems(settings)
    return refuse("GURUBOT_ENV=production with unsafe settings", problems) if problems else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gurubot", description="WhatsApp and Telegram companion for teachers")
    commands = parser.add_subparsers(required=True)
    server_commands: list[tuple[str, Command, str]] = [
        ("serve", serve, "run the production server (no demo data)"),
        ("demo", demo, "migrate, seed demo data and serve with the simulator"),
    ]
    for name, handler, about in server_commands:
        command = commands.add_parser(name, help=about)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.set_defaults(command=handler)
    simple_commands: list[tuple[str, Command, str]] = [
        ("migrate", migrate, "apply database migrations and exit"),
        ("chat", chat, "talk to the bot in this terminal (simulator channel)"),
        ("worker", worker, "run the inbound processor, dispatcher and timed tick only"),
        ("outbox", outbox, "show the outbox: messages waiting per status and priority, the oldest pending"),
        ("set-webhooks", set_webhooks, "register the Telegram webhook and print the WhatsApp URLs"),
    ]
    for name, action, about in simple_commands:
        command = commands.add_parser(name, help=about)
        command.set_defaults(command=action)
        if name == "chat":
            command.add_argument("--as", dest="chat_as", metavar="NAME", help="continue the chat of this name")
        if name == "worker":
            command.add_argument("--parent", type=int, default=0, help="stop when this process (the server) is gone")
            command.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by this much")
    add_broadcast_commands(commands)  # import, invite, broadcast
    return parser


def serve(args: argparse.Namespace, settings: Settings) -> int:
    if (refused := unsafe_for_production(settings)) is not None:
        return refused
    from bot.app import create_app
    from bot.worker_processes import WorkerProcesses, worker_count

    children = worker_count(settings)
    intake_settings = settings.model_copy(update={"inprocess_worker": False}) if children else settings
    # uvicorn shuts down on SIGTERM and then raises it again, which would end this process before
    # its worker processes are stopped: raised as SystemExit, it leaves through the `with` below.
    signal.signal(signal.SIGTERM, exit_quietly)
    with WorkerProcesses(children, settings.worker_metrics_port):
        uvicorn.run(create_app(intake_settings), host=args.host, port=args.port, proxy_headers=True, log_level="info")
    return 0


def exit_quietly(_signal_number: int, _frame: object) -> None:
    raise SystemExit(0)


def migrate(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.db import migrate as apply_migrations

    apply_migrations()
    print("migrations applied")
    return 0


def demo(args: argparse.Namespace, settings: Settings) -> int:
    if (refused := unsafe_for_production(settings)) is not None:
        return refused
    from bot.db import migrate as apply_migrations
    from bot.demo import seed_demo_data

    apply_migrations()
    demo_settings = settings.model_copy(update={"demo": True})
    seed_demo_data(demo_settings)
    print(f"gurubot demo: open http://{args.host}:{args.port}/simulator", flush=True)
    return serve(args, demo_settings)


def chat(args: argparse.Namespace, settings: Settings) -> int:
    """The conversation on stdout; logs (WARNING and above only) on stderr. `--as NAME` goes on
    with the chat of that name, where it was left."""
    for name in ("", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from bot.db import get_engine
    from bot.db import migrate as apply_migrations
    from bot.terminal import chat_name

    apply_migrations()
    name = chat_name(args.chat_as) if args.chat_as else uuid.uuid4().hex[:8]
    asyncio.run(chat_loop(settings.model_copy(update={"inprocess_worker": False}), get_engine(), name))
    return 0


async def chat_loop(settings: Settings, engine: object, name: str) -> None:
    from bot.channels.base import Incoming
    from bot.runtime import Runtime
    from bot.terminal import address_of, print_new_replies, show_where_we_were

    runtime = Runtime(settings, engine)  # type: ignore[arg-type]
    address = address_of(name)
    last_seen = show_where_we_were(engine, address)  # type: ignore[arg-type]
    print(f"Ketik pesan (Ctrl-D untuk keluar). Mulailah dengan: halo. Lanjutkan nanti: gurubot chat --as {name}")
    for line in sys.stdin:
        await runtime.accept(Incoming("simulator", uuid.uuid4().hex, address, text=line.rstrip("\n")))
        await runtime.settle()
        last_seen = print_new_replies(engine, address, last_seen)  # type: ignore[arg-type]
    await runtime.stop()


def worker(args: argparse.Namespace, settings: Settings) -> int:
    """Send and process until SIGTERM/SIGINT (or, started by `serve`, until the server is gone),
    then finish the sends already started and exit."""
    if (refused := unsafe_for_production(settings)) is not None:
        return refused
    if args.nice:
        os.nice(args.nice)
    from prometheus_client import start_http_server

    from bot.db import get_engine
    from bot.runtime import Runtime

    async def run() -> None:
        runtime = Runtime(settings.model_copy(update={"inprocess_worker": True}), get_engine())
        stop = asyncio.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
        await runtime.start()
        watch = asyncio.create_task(stop_when_orphaned(args.parent, stop)) if args.parent else None
        try:
            await stop.wait()
        finally:
            if watch is not None:
                watch.cancel()
            await runtime.stop()

    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr="127.0.0.1")
    asyncio.run(run())
    return 0


async def stop_when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """A worker started by `serve` stops once that server is gone (even killed with SIGKILL)."""
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_CHECK_SECONDS)
    log.warning("the server that started this worker is gone; stopping")
    stop.set()


def outbox(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.db import get_engine
    from bot.delivery.queue_report import format_report, queue_report

    print(format_report(queue_report(get_engine())))
    return 0


def set_webhooks(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.telegram import set_webhook
    from bot.channels.whatsapp import webhook_urls

    if settings.telegram_enabled:
        info = asyncio.run(set_webhook(settings))
        print(f"Telegram webhook set: {info['url']} (pending updates: {info['pending_update_count']})")
    else:
        print("Telegram is off (GURUBOT_TELEGRAM_TOKEN is not set)")
    urls = webhook_urls(settings)
    print("Twilio WhatsApp sender settings:")
    print(f"  When a message comes in (POST): {urls['incoming']}")
    print(f"  Status callback URL (POST):     {urls['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
