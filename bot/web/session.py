"""The dashboard's session: a signed cookie naming the staff token (by its hash), the province in
view and the CSRF token of the forms; and the rate limit on failed sign-ins.

The cookie holds no secret: the token's SHA-256 (the database's own key for it), so a token
revoked in the database ends its sessions at the next page.
"""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot.clock import utcnow
from bot.config import Settings
from bot.web.models import SignInFailure

COOKIE = "gurubot_staff"
PRE_COOKIE = "gurubot_staff_csrf"  # the sign-in form's CSRF token, before there is a session
SESSION_HOURS = 12
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per client in the window; the next attempt gets 429

_process_key = secrets.token_bytes(32)


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    csrf: str
    province: str | None  # the province in view (staff: their own; an admin chooses)
    expires: int


def signing_key(settings: Settings) -> bytes:
    """The session secret, else one derived from the admin token, else this process's random key."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    if settings.admin_token is not None:
        return hmac.new(settings.admin_token.get_secret_value().encode(), b"gurubot staff session", "sha256").digest()
    return _process_key


def sign(settings: Settings, payload: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    mac = hmac.new(signing_key(settings), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(settings: Settings, value: str | None) -> dict[str, object] | None:
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    expected = hmac.new(signing_key(settings), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def new_session(token_hash: str, province: str | None) -> StaffSession:
    expires = int((utcnow() + timedelta(hours=SESSION_HOURS)).timestamp())
    return StaffSession(token_hash, secrets.token_urlsafe(24), province, expires)


def encode_session(settings: Settings, session: StaffSession) -> str:
    return sign(settings, {"t": session.token_hash, "c": session.csrf, "p": session.province, "e": session.expires})


def decode_session(settings: Settings, value: str | None) -> StaffSession | None:
    payload = unsign(settings, value)
    if payload is None:
        return None
    token_hash, csrf, province, expires = (payload.get(key) for key in ("t", "c", "p", "e"))
    if not isinstance(token_hash, str) or not isinstance(csrf, str) or not isinstance(expires, int):
        return None
    if expires < utcnow().timestamp():
        return None
    return StaffSession(token_hash, csrf, province if isinstance(province, str) else None, expires)


def with_province(session: StaffSession, province: str | None) -> StaffSession:
    return replace(session, province=province)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def client_hash(address: str) -> str:
    return hashlib.sha256(f"sign-in {address}".encode()).hexdigest()


def too_many_failures(session: Session, address: str) -> bool:
    since = utcnow() - FAILURE_WINDOW
    count = session.exec(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.client_hash == client_hash(address), col(SignInFailure.failed_at) > since)
    ).one()
    return count >= MAX_FAILURES


def record_failure(session: Session, address: str) -> None:
    """Note a failed sign-in; failures past the window are dropped while at it."""
    session.exec(delete(SignInFailure).where(col(SignInFailure.failed_at) <= utcnow() - FAILURE_WINDOW))
    session.add(SignInFailure(client_hash=client_hash(address)))
