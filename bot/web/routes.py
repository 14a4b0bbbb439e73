"""The dashboard's routers in one place, its static files, and the side-by-side simulator."""

import hashlib
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.api.deps import SessionDep
from bot.clock import utcnow
from bot.demo import simulator_volunteer
from bot.feature import Feature
from bot.web import (
    broadcast_pages,
    helpdesk_pages,
    meeting_pages,
    models,
    overview,
    reflection_pages,
    sign_in,
    teacher_import,
)
from bot.web.pages import ViewerDep, render, settings_of

extras = APIRouter(prefix="/staff", include_in_schema=False)
STATIC_TYPES = {
    "staff.css": "text/css; charset=utf-8",
    "staff.js": "text/javascript; charset=utf-8",
    "broadcasts.js": "text/javascript; charset=utf-8",
}


@extras.get("/static/{name}")
def static_file(name: str) -> Response:
    """The dashboard's own assets (no CDN); cached by the browser, renamed by content on change."""
    if name not in STATIC_TYPES:
        raise HTTPException(status_code=404, detail="no such file")
    body = (resources.files("bot.web") / "static" / name).read_bytes()
    headers = {"Cache-Control": "public, max-age=3600", "ETag": hashlib.sha256(body).hexdigest()[:16]}
    return Response(body, media_type=STATIC_TYPES[name], headers=headers)


@extras.get("/simulator", response_class=HTMLResponse)
def two_chats(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """A teacher and a volunteer side by side, each a simulator chat of its own (demo mode only);
    the volunteer chat is a joined Duta Teknologi of the province in view."""
    if not settings_of(request).demo:
        raise HTTPException(status_code=404, detail="the simulator runs only in demo mode")
    suffix = hashlib.sha256(viewer.session.csrf.encode()).hexdigest()[:8]
    simulator_volunteer(session, f"duta-{suffix}", viewer.province, utcnow())
    session.commit()  # before the page: its volunteer chat may write at once
    return render(request, "simulator.html", viewer, teacher=f"guru-{suffix}", volunteer=f"duta-{suffix}")


ROUTERS = (
    sign_in.router,
    overview.router,
    meeting_pages.router,
    helpdesk_pages.router,
    broadcast_pages.router,
    reflection_pages.router,
    teacher_import.router,
    extras,
)
FEATURE = Feature("web", routers=ROUTERS, tables=(models,))
