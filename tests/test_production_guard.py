"""GURUBOT_ENV=production refuses unsafe settings with one clear line each, before anything starts."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import SAMPLE_DATA_CONTROLLER, Settings, production_problems

GURUBOT = Path(sys.executable).parent / "gurubot"

SAFE_PRODUCTION = {
    "env": "production",
    "database_url": "postgresql+psycopg://gurubot:secret@db.internal/gurubot",
    "public_url": "https://gurubot.example.go.id",
    "admin_token": "a-long-random-admin-token",
    "data_controller": "BTIKP Dinas Pendidikan Provinsi Sulawesi Selatan",
}


def production_settings(**changes: Any) -> Settings:
    return Settings(_env_file=None, **(SAFE_PRODUCTION | changes))  # type: ignore[call-arg]


def run_gurubot(command: str, cwd: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GURUBOT_")} | env_extra
    return subprocess.run(
        [str(GURUBOT), command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_safe_production_settings_pass() -> None:
    assert production_problems(production_settings()) == []


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"database_url": "sqlite:///./data/gurubot.db"}, "GURUBOT_DATABASE_URL"),
        ({"public_url": "http://127.0.0.1:8000"}, "GURUBOT_PUBLIC_URL"),
        ({"public_url": "http://localhost:8000"}, "GURUBOT_PUBLIC_URL"),
        ({"public_url": "https://[::1]/"}, "GURUBOT_PUBLIC_URL"),
        ({"public_url": "http://0.0.0.0:8000"}, "GURUBOT_PUBLIC_URL"),
        ({"public_url": "gurubot.example.go.id"}, "GURUBOT_PUBLIC_URL"),
        ({"admin_token": None}, "GURUBOT_ADMIN_TOKEN"),
        ({"admin_token": "  "}, "GURUBOT_ADMIN_TOKEN"),
        ({"data_controller": SAMPLE_DATA_CONTROLLER}, "GURUBOT_DATA_CONTROLLER"),
        ({"data_controller": ""}, "GURUBOT_DATA_CONTROLLER"),
    ],
)
def test_each_unsafe_setting_gives_one_line_naming_its_variable(change: dict[str, Any], variable: str) -> None:
    problems = production_problems(production_settings(**change))
    assert len(problems) == 1
    assert problems[0].startswith(variable)


def test_defaults_in_production_list_all_four_problems() -> None:
    settings = Settings(_env_file=None, env="production")  # type: ignore[call-arg]
    variables = [problem.split()[0] for problem in production_problems(settings)]
    assert variables == ["GURUBOT_DATABASE_URL", "GURUBOT_PUBLIC_URL", "GURUBOT_ADMIN_TOKEN", "GURUBOT_DATA_CONTROLLER"]


def test_development_is_not_guarded() -> None:
    assert production_problems(Settings(_env_file=None)) == []  # type: ignore[call-arg]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_server_and_worker_refuse_to_start_listing_every_problem(command: str, tmp_path: Path) -> None:
    result = run_gurubot(command, tmp_path, {"GURUBOT_ENV": "production"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith("  - GURUBOT_")]
    assert len(problem_lines) == 4
    assert not (tmp_path / "data").exists(), "refused before touching the database"


def test_a_mistyped_environment_name_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run_gurubot("serve", tmp_path, {"GURUBOT_ENV": "prod"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "  - GURUBOT_ENV: Input should be 'development' or 'production'" in result.stderr.splitlines()
