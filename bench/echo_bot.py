"""The baseline of the inbound benchmark: a minimal echo bot on python-telegram-bot's own webhook handling.

    .venv/bin/python bench/echo_bot.py --port 8081 --api-url http://127.0.0.1:9480 \
        [--token 1:bench] [--secret bench-secret]

Built as PTB's "customwebhookbot" example builds it: an `Application` with `updater=None`, a
Starlette route that checks the secret header and puts each `Update` on the application's
`update_queue`, and a `MessageHandler` that answers every text with the same text through
`sendMessage`. No database. PTB's `base_url` points at the fake provider, so its replies go
where gurubot's go. `GET /readyz` answers 200 once the application has started.
"""

import argparse
import asyncio
import hmac
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text with the same text."""
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


def build_application(token: str, api_url: str) -> Application:  # type: ignore[type-arg]
    application = Application.builder().token(token).base_url(f"{api_url.rstrip('/')}/bot").updater(None).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def build_web_app(application: Application, secret: str) -> Starlette:  # type: ignore[type-arg]
    async def telegram(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        await application.update_queue.put(Update.de_json(data=await request.json(), bot=application.bot))
        return Response()

    async def ready(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/webhooks/telegram", telegram, methods=["POST"]), Route("/readyz", ready, methods=["GET"])]
    )


async def serve(args: argparse.Namespace) -> None:
    application = build_application(args.token, args.api_url)
    config = uvicorn.Config(build_web_app(application, args.secret), host="127.0.0.1", port=args.port, use_colors=False)
    webserver = uvicorn.Server(config)
    async with application:  # getMe, answered by the fake
        await application.start()
        await webserver.serve()
        await application.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--api-url", required=True, help="Bot API root of the fake provider")
    parser.add_argument("--token", default="1:bench")
    parser.add_argument("--secret", default="bench-secret")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
