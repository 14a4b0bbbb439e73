"""schemathesis against the staff API's own OpenAPI (in process): with the admin's token, a
province's staff token and a wrong token, no generated request gets a 5xx and every response
conforms to the documented statuses, content types and schemas."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlmodel import Session

from bot.app import create_app
from bot.config import Settings
from bot.db import make_engine
from bot.staff import Staff, new_token
from tests.conftest import ADMIN_TOKEN, settings_for_tests
from tests.fakes import FakeTelegram, FakeTwilio, LoopbackServer

TOKENS = ("admin", "staff", "wrong")
# No 5xx, and every status, content type, header and body as documented. Not schemathesis's
# acceptance checks: a schema-valid request may still be refused for what it means (a province
# code that does not exist is 422, a meeting in the past 400), as documented.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def staff_api(
    database_url: str,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app on the test database, and a bearer token per kind of caller."""
    engine = make_engine(database_url)
    token, token_hash = new_token()
    with Session(engine) as session:
        session.add(Staff(name="BTIKP Sulsel", role="staff", province="73", token_hash=token_hash))
        session.commit()
    app = create_app(settings_for_tests(database_url, fake_telegram_server[1].url, fake_twilio_server[1].url), engine)
    yield app, {"admin": ADMIN_TOKEN, "staff": token, "wrong": "gbs_wrong-token"}
    engine.dispose()


# The operations come from an app of the same code at import time; the requests go to the fixture's.
# The coverage phase is off: on Python 3.11 its lambda descriptions crash `ast` (SystemError).
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}})
SCHEMA_APP = create_app(Settings(_env_file=None, database_url="sqlite://", inprocess_worker=False))  # type: ignore[call-arg]
schema = schemathesis.openapi.from_asgi("/openapi.json", SCHEMA_APP, config=CONFIG).include(path_regex="^/api/")


@pytest.mark.slow
@schema.parametrize()
# Derandomized with CI set (.ci/run sets it): CI runs the same requests every time; by hand, new ones.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=bool(os.environ.get("CI")),
)
def test_the_staff_api_keeps_its_documented_contract(case: Any, staff_api: tuple[Any, dict[str, str]]) -> None:
    """Each generated request as the admin, as a province's staff and with a wrong token."""
    app, tokens = staff_api
    for caller in TOKENS:
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {tokens[caller]}"}, checks=CHECKS)
