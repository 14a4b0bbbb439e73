"""The FastAPI application: webhooks, health, metrics, the staff API and the simulator."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.activation.walkthrough import walkthrough
from bot.api.errors import database_error, error_content, error_json, http_error, validation_error
from bot.api.openapi import complete_openapi
from bot.config import Settings, get_settings
from bot.content import texts
from bot.db import database_answers, get_engine, make_engine
from bot.docs import add_docs_routes
from bot.errors import BadRequest, Forbidden, GurubotError, NotFound
from bot.features import routers
from bot.helpdesk.faq import faq
from bot.reflections.questions import question_sets
from bot.runtime import Runtime

log = logging.getLogger(__name__)
ERROR_STATUS: dict[type[GurubotError], int] = {NotFound: 404, Forbidden: 403, BadRequest: 400}


class BodyLimit:
    """Refuses request bodies over the limit with 413, before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await too_large(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await too_large(send)


class BodyTooLarge(Exception):
    pass


async def too_large(send: Send) -> None:
    body = json.dumps(error_content(413, "request body too large")).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or (get_engine() if settings is get_settings() else make_engine(settings.database_url))
    texts()  # broken content fails here, at start-up, not at the first message
    walkthrough()  # likewise the activation flow: a dead end or an overlong step stops the start
    faq()  # and the FAQ: a duplicate id or an answer over one screen
    question_sets()  # and the reflections' question sets

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, engine)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="gurubot staff API", lifespan=lifespan, docs_url=None, redoc_url=None)
    add_docs_routes(app)  # Swagger UI from the app's own files, not a CDN
    for router in routers():
        app.include_router(router)
    add_operations_routes(app, engine)
    app.add_exception_handler(GurubotError, error_response)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(SQLAlchemyError, database_error)
    complete_openapi(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # type: ignore[arg-type]
    return app


async def error_response(_request: Request, error: GurubotError) -> JSONResponse:
    status = next((code for kind, code in ERROR_STATUS.items() if isinstance(error, kind)), 500)
    return error_json(status, str(error))


def add_operations_routes(app: FastAPI, engine: Engine) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        from starlette.concurrency import run_in_threadpool

        ready = await run_in_threadpool(database_answers, engine)
        return JSONResponse({"database": "ok" if ready else "down"}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_text() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)
