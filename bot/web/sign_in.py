"""Signing in to the dashboard with the staff token, signing out, and an admin's province switch."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.api.deps import SessionDep, caller_of
from bot.regions import provinces
from bot.staff import hash_token
from bot.web.pages import SIGN_IN_PATH, FormDep, ViewerDep, render, settings_of
from bot.web.session import (
    COOKIE,
    PRE_COOKIE,
    SESSION_HOURS,
    csrf_matches,
    encode_session,
    new_session,
    record_failure,
    too_many_failures,
    with_province,
)

router = APIRouter(prefix="/staff", include_in_schema=False)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    secure = settings_of(request).public_url.startswith("https://")
    response.set_cookie(name, value, max_age=max_age, path="/staff", httponly=True, secure=secure, samesite="lax")


@router.get(SIGN_IN_PATH.removeprefix("/staff"), response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    """The sign-in form; its CSRF token is also in a short-lived cookie (there is no session yet)."""
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", None, csrf=token, error=None)
    set_cookie(request, response, PRE_COOKIE, token, 3600)
    return response


@router.post(SIGN_IN_PATH.removeprefix("/staff"), response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A valid token starts a session; failures are counted per client and then refused for a while."""
    if not csrf_matches(request.cookies.get(PRE_COOKIE), csrf):
        raise HTTPException(status_code=403, detail="the form's CSRF token is missing or wrong")
    client = request.client.host if request.client else "unknown"
    if too_many_failures(session, client):
        return render(request, "sign_in.html", None, 429, csrf=csrf, error="terlalu_banyak")
    settings = settings_of(request)
    caller = caller_of(session, settings, hash_token(token.strip()))
    if caller is None:
        record_failure(session, client)
        session.commit()  # counted before the answer leaves: a fast retry must see it
        return render(request, "sign_in.html", None, 401, csrf=csrf, error="salah")
    staff_session = new_session(hash_token(token.strip()), None if caller.is_admin else caller.province)
    response = RedirectResponse("/staff", status_code=303)
    set_cookie(request, response, COOKIE, encode_session(settings, staff_session), SESSION_HOURS * 3600)
    response.delete_cookie(PRE_COOKIE, path="/staff")
    return response


@router.post("/keluar")
def sign_out(viewer: ViewerDep, form: FormDep) -> Response:
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response


@router.post("/provinsi")
def switch_province(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    """An admin chooses the province in view ("" for every province); staff stay in their own."""
    viewer.caller.require_admin()
    chosen = str(form.get("provinsi") or "")
    if chosen and chosen not in provinces():
        raise HTTPException(status_code=422, detail="unknown province code")
    back = str(form.get("kembali") or "")
    response = RedirectResponse(back if back.startswith("/staff") else "/staff", status_code=303)  # never off-site
    staff_session = with_province(viewer.session, chosen or None)
    set_cookie(request, response, COOKIE, encode_session(settings_of(request), staff_session), SESSION_HOURS * 3600)
    return response
