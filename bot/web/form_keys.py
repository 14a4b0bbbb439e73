"""A hidden key in each create form, used as the form's idempotency key: a double submit (or a
resubmit after a timeout) creates once, the second answer leads where the first did."""

import re
import secrets
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from bot.idempotency import attempt, once
from bot.web.pages import Viewer

FIELD = "kunci_formulir"
# A form sent again with other contents (the browser's back button after a send, then an edit).
SENT_BEFORE = "formulir ini sudah pernah dikirim dengan isi lain; periksa daftarnya, lalu kirim lagi bila memang baru"
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what `new_form_key` makes; anything else is no key


class Created(BaseModel):
    """What a create form remembers: the id it created."""

    id: int


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def form_key_of(form: dict[str, Any]) -> str:
    """The key the form came with (to render it again after a refusal), or a new one."""
    return sent_key(form) or new_form_key()


def sent_key(form: dict[str, Any]) -> str | None:
    """The key the form came with, if it is one `new_form_key` could have made."""
    value = str(form.get(FIELD) or "")
    return value if KEY_SHAPE.fullmatch(value) else None


def created_once(
    session: Session, viewer: Viewer, route: str, form: dict[str, Any], body: BaseModel, create: Callable[[], int]
) -> int:
    """The id `create` made, or the id this form made before (KeyReused when it came with other contents)."""
    request = attempt(viewer.caller.identity, route, sent_key(form), body)
    return once(session, request, Created, lambda: Created(id=create())).id
