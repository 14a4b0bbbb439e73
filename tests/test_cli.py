"""The console script works from any directory, as a service manager would start it."""

import os
import subprocess
import sys
from pathlib import Path

GURUBOT = Path(sys.executable).parent / "gurubot"


def run(args: list[str], cwd: Path, env_extra: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GURUBOT_")} | env_extra
    return subprocess.run(
        [str(GURUBOT), *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_migrate_works_from_any_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x' / 'bot.db'}"
    result = run(["migrate"], cwd=tmp_path, env_extra={"GURUBOT_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x" / "bot.db").exists()


def test_terminal_chat_shows_the_conversation_only_and_goes_on_with_as_name(tmp_path: Path) -> None:
    env = {"GURUBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "GURUBOT_LOG_LEVEL": "INFO"}
    first = run(["chat", "--as", "Bu Sari"], cwd=tmp_path, env_extra=env, stdin="halo\n1\n")
    assert first.returncode == 0, first.stderr
    assert "Apakah Anda setuju?" in first.stdout and "Siapa nama Anda?" in first.stdout
    assert "gurubot chat --as bu-sari" in first.stdout
    for output in (first.stdout, first.stderr):  # no log lines: neither INFO from the bot nor alembic's
        assert not any(level in output for level in (" INFO ", "INFO ", "Running upgrade")), output
    again = run(["chat", "--as", "bu sari"], cwd=tmp_path, env_extra=env, stdin="Bu Sari\n")
    assert again.returncode == 0, again.stderr
    shown_first, _, after = again.stdout.partition("Ketik pesan")
    assert "Siapa nama Anda?" in shown_first  # the open question, where the chat was left
    assert "provinsi mana" in after and "Apakah Anda setuju?" not in again.stdout


def test_set_webhooks_without_telegram_prints_the_whatsapp_urls(tmp_path: Path) -> None:
    env = {"GURUBOT_PUBLIC_URL": "https://bot.example.org"}
    result = run(["set-webhooks"], cwd=tmp_path, env_extra=env)
    assert result.returncode == 0, result.stderr
    assert "https://bot.example.org/webhooks/whatsapp" in result.stdout


def test_request_logs_never_carry_the_telegram_token() -> None:
    import logging

    from bot.cli import quiet_request_logs

    quiet_request_logs()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
