"""What every dashboard page shares: the templates, the signed-in viewer and the CSRF check."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.api.deps import Caller, SessionDep, caller_of
from bot.clock import utcnow
from bot.config import Settings
from bot.profile import level_label, role_label
from bot.regions import provinces, region_name
from bot.web.session import COOKIE, StaffSession, csrf_matches, decode_session

SIGN_IN_PATH = "/staff/masuk"


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member and the province in view (None: every province, admins only)."""

    caller: Caller
    session: StaffSession

    @property
    def province(self) -> str | None:
        return self.session.province if self.caller.is_admin else self.caller.province

    @property
    def is_admin(self) -> bool:
        return self.caller.is_admin


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(), auto_reload=False)
    env.filters.update(region=lambda code: region_name(code) or "—", role=role_label, level=level_label, age=age_text)
    env.globals.update(role_label=role_label, level_label=level_label)
    return env


def age_text(created_at: datetime) -> str:
    """How long something has waited, the way staff say it: "< 1 jam", "5 jam", "3 hari"."""
    hours = int((utcnow() - created_at).total_seconds() // 3600)
    return f"{hours // 24} hari" if hours >= 48 else f"{hours} jam" if hours >= 1 else "< 1 jam"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def render(
    request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    html = (
        environment()
        .get_template(template)
        .render(
            viewer=viewer,
            path=request.url.path,
            demo=settings_of(request).demo,
            provinces=provinces(),
            **values,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    """The signed-in viewer; without a valid session, a redirect to the sign-in page."""
    settings = settings_of(request)
    staff_session = decode_session(settings, request.cookies.get(COOKIE))
    caller = None if staff_session is None else caller_of(session, settings, staff_session.token_hash)
    if staff_session is None or caller is None:
        raise HTTPException(status_code=303, detail="sign in first", headers={"Location": SIGN_IN_PATH})
    return Viewer(caller, staff_session)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def checked_form(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """The posted form, refused (403) unless it carries the session's CSRF token."""
    form = await request.form()
    if not csrf_matches(viewer.session.csrf, str(form.get("csrf") or "")):
        raise HTTPException(status_code=403, detail="the form's CSRF token is missing or wrong")
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form}


FormDep = Annotated[dict[str, Any], Depends(checked_form)]


def form_list(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key)
    if value is None or value == "":
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
