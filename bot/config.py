"""The one settings object, read from the environment and `.env` once."""

import ipaddress
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Shown to teachers in the privacy notice and `DATA SAYA` until the operator names the real one;
# production refuses to start with it.
SAMPLE_DATA_CONTROLLER = "Komunitas Guru Contoh (nama contoh, belum diatur)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GURUBOT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./data/gurubot.db"
    public_url: str = "http://127.0.0.1:8000"
    demo: bool = False
    # `production` refuses unsafe settings at start-up (`production_problems`).
    env: Literal["development", "production"] = "development"
    # Who is responsible for the teachers' data (UU PDP), named in the privacy notice.
    data_controller: str = SAMPLE_DATA_CONTROLLER

    telegram_token: SecretStr | None = None
    # The bot's @username, for invitation links (t.me/<username>?start=r7308).
    telegram_bot_username: str | None = None
    telegram_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"

    admin_token: SecretStr | None = None
    # Signs the staff dashboard's session cookies; unset, a key derived from the admin token
    # (or, without one, a random key per process: sessions end at a restart).
    session_secret: SecretStr | None = None

    # `serve` runs the inbound processor, outbox dispatcher and scheduler tick itself; on
    # PostgreSQL in this many child `gurubot worker` processes (0: inside the server process).
    inprocess_worker: bool = True
    worker_processes: int = Field(default=1, ge=0)
    max_body_bytes: int = 64 * 1024
    max_text_chars: int = 4000
    send_attempts: int = 5
    # Messages per second; unset, the channel's own (its traits in bot/channels/<name>.py).
    telegram_rate: float | None = None
    telegram_chat_rate: float | None = None
    whatsapp_rate: float | None = None
    # Delivery: provider timeout per send, the most messages one worker claims at once (fewer
    # when a channel's rate allows fewer per second), how long a claim lasts before another
    # worker may take the message over, and how long a message waits for a WhatsApp reply.
    send_timeout: float = 15.0
    delivery_batch: int = 100
    delivery_lease_seconds: float = 120.0
    parked_max_days: float = 7.0
    # `gurubot worker` serves its own Prometheus metrics on this port (0: off).
    worker_metrics_port: int = 0
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_half_configured_channels(self) -> "Settings":
        if self.telegram_token and not self.telegram_secret:
            raise ValueError("GURUBOT_TELEGRAM_SECRET is required when a Telegram token is set")
        if self.delivery_lease_seconds <= 2 * self.send_timeout:
            raise ValueError("GURUBOT_DELIVERY_LEASE_SECONDS must be more than twice GURUBOT_SEND_TIMEOUT")
        twilio = [self.twilio_account_sid, self.twilio_auth_token, self.twilio_whatsapp_from]
        if any(twilio) and not all(twilio):
            raise ValueError(
                "WhatsApp needs GURUBOT_TWILIO_ACCOUNT_SID, GURUBOT_TWILIO_AUTH_TOKEN "
                "and GURUBOT_TWILIO_WHATSAPP_FROM together"
            )
        return self

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return self.twilio_auth_token is not None


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve real teachers, one line each; none outside production."""
    if settings.env != "production":
        return []
    checks = [
        (
            settings.database_url.startswith("sqlite"),
            "GURUBOT_DATABASE_URL is SQLite; production needs PostgreSQL (postgresql+psycopg://user:pass@host/db)",
        ),
        (
            not is_public_url(settings.public_url),
            f"GURUBOT_PUBLIC_URL is {settings.public_url!r}, which the providers cannot reach; "
            "set the public HTTPS address, e.g. https://gurubot.example.go.id",
        ),
        (
            settings.admin_token is None or not settings.admin_token.get_secret_value().strip(),
            "GURUBOT_ADMIN_TOKEN is not set; the staff API would have no national admin",
        ),
        (
            settings.data_controller.strip() in ("", SAMPLE_DATA_CONTROLLER),
            "GURUBOT_DATA_CONTROLLER is not set (the sample name is in use); "
            "name who is responsible for the teachers' data (UU PDP)",
        ),
    ]
    return [problem for failed, problem in checks if failed]


def is_public_url(url: str) -> bool:
    """False for a URL without a host or one on this machine (loopback, `localhost`, 0.0.0.0)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


@lru_cache
def get_settings() -> Settings:
    return Settings()
