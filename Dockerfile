# syntax=docker/dockerfile:1
# Build: a wheel of zhili and its dependencies, compiled where needed.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY resolvers ./resolvers
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run: the wheels only, as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ZHILI_ENV=production ZHILI_MEDIA_DIR=/data/media
RUN useradd --create-home --uid 10001 zhili && mkdir -p /data/media && chown -R zhili /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER zhili
WORKDIR /home/zhili
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# ZHILI_DATABASE_URL and ZHILI_BROADCAST_URL must be given (production refuses to guess them).
CMD ["sh", "-c", "zhili migrate && exec zhili serve --host 0.0.0.0 --port 8000 --workers ${ZHILI_WORKERS:-2}"]
