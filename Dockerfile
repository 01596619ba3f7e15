# ecf-syncer: the sync daemon (`syncer run`) in a container.
#   docker build -t ecf-syncer .          # podman: podman build --format docker (keeps the HEALTHCHECK)
#   docker run -v ecf-data:/data -v ./config.toml:/config/config.toml:ro -e ECF_AMBITION_TOKEN ecf-syncer
# The warehouse and its read snapshot live on the /data volume; see compose.yaml for a BI reader beside it.

# The base image: any Python >= 3.11 with `python` and `pip` on the PATH, pip installing into that Python (as in
# the official image). `make container-test` passes a locally built Debian base here (tests/container/).
ARG BASE=python:3.12-slim

# Build stage: a wheel from pyproject.toml (sql/ and data/ are force-included as package data).
FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md contracts.example.toml ./
COPY syncer/ syncer/
COPY sql/ sql/
COPY data/ data/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# Runtime stage: the installed package and nothing else (no compilers, no sources, no tests).
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SYNCER_WAREHOUSE__PATH=/data/warehouse.duckdb \
    SYNCER_DAEMON__HEALTH_HOST=0.0.0.0 \
    SYNCER_DAEMON__HEALTH_PORT=8080
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl \
    && rm -rf /tmp/dist \
    && groupadd --system --gid 10001 syncer \
    && useradd --system --uid 10001 --gid syncer --home-dir /data --no-create-home --shell /usr/sbin/nologin syncer \
    && mkdir -p /data /config \
    && chown syncer:syncer /data
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8080
# /healthz answers 503 while the last run failed or the data is stale; a first full sync can take a while.
# Change the port with SYNCER_DAEMON__HEALTH_PORT (read here too), not in the config file.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15m --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SYNCER_DAEMON__HEALTH_PORT', '8080') + '/healthz', timeout=4)"]
# Config: /config/config.toml (mount it read-only), overridden by SYNCER_... environment variables.
# SIGTERM (docker stop) finishes the current page's transaction and exits 0 within 10 s.
CMD ["syncer", "run", "--config", "/config/config.toml"]
