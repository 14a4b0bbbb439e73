"""How fast the Telegram webhook answers: store-and-acknowledge latency, against a baseline.

Usage: .venv/bin/python bench/bench_webhook.py [DATABASE_URL] [N]
The baseline is GET /healthz through the same ASGI stack in the same run, so the difference is
what intake costs (parse with PTB, secret check, one INSERT). Handling is not included: it runs
in the background after the answer.
"""

import asyncio
import statistics
import sys
import tempfile
import time

import httpx

from bot.app import create_app
from bot.config import Settings
from bot.db import make_engine, migrate


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure(client: httpx.AsyncClient, requests: list[tuple[str, dict[str, object] | None]]) -> list[float]:
    timings = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": "bench-secret"}
    for path, body in requests:
        started = time.perf_counter()
        response = await (client.post(path, json=body, headers=headers) if body else client.get(path))
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def update(number: int) -> dict[str, object]:
    chat = {"id": 10_000 + number % 500, "type": "private"}
    message = {"message_id": number % 2**31, "date": 0, "chat": chat, "text": "halo"}
    return {"update_id": number, "message": message}


async def main(url: str, count: int) -> None:
    migrate(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        telegram_token="1:bench",
        telegram_secret="bench-secret",
        inprocess_worker=False,
    )
    app = create_app(settings, make_engine(url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            base = await measure(client, [("/healthz", None)] * count)
            start = time.time_ns() // 1000  # fresh update ids on every run, so none is a duplicate
            hook = await measure(client, [("/webhooks/telegram", update(start + n)) for n in range(count)])
    for name, values in (("baseline GET /healthz", base), ("POST /webhooks/telegram", hook)):
        print(
            f"{name:26} n={len(values)} median={statistics.median(values):.2f} ms "
            f"p95={percentile(values, 0.95):.2f} ms p99={percentile(values, 0.99):.2f} ms"
        )


if __name__ == "__main__":
    default = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else default, int(sys.argv[2]) if len(sys.argv) > 2 else 2000))
