# Production image: the web app and the arq worker share it.
# Stages: the design system's files are built with Node; the Python dependencies are
# installed from the hashed lock file before the code is copied, so a code change reuses
# every dependency layer; the final image has neither Node nor build tools.

FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY scripts/build-assets.mjs ./scripts/
RUN npm run build

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 MARKET_ENV=production MARKET_VAR_DIR=/var/lib/market
# postgresql-client for `market backup` (pg_dump) and `market restore`; git for
# `market import-commits` and the daily import of the products' histories.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client=15.* git=1:2.39.* \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY market ./market
COPY matching ./matching
COPY templates ./templates
COPY --from=assets /build/market/static/vendor ./market/static/vendor
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --uid 10001 --home /var/lib/market market \
    && mkdir -p /var/lib/market && chown market /var/lib/market
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["market", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
