# gurubot production image: the server, or with `gurubot worker` / `gurubot migrate` as command.
# Migrations run once per deployment, not at every container start (README, Deployment).
FROM python:3.11-slim AS build
WORKDIR /src
# Dependencies first, from the hash-checked lock, so a code change reuses this layer.
COPY requirements/runtime.lock requirements/
RUN pip install --no-cache-dir --prefix=/install --require-hashes --no-deps -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
RUN pip install --no-cache-dir --prefix=/install --no-deps .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GURUBOT_ENV=production
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 gurubot && mkdir -p /app/data && chown gurubot /app/data
USER gurubot
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# On PostgreSQL serve starts its worker process(es) too; give it time to stop them in order
# (`docker stop -t 30`, compose `stop_grace_period: 30s`): each finishes its sends in progress.
CMD ["gurubot", "serve", "--host", "0.0.0.0", "--port", "8000"]
