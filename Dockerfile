# Production image: the web app and the arq worker share it.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MARKET_ENV=production MARKET_VAR_DIR=/var/lib/market
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json ./
COPY scripts ./scripts
RUN npm install --omit=dev --no-audit --no-fund
COPY pyproject.toml README.md ./
COPY market ./market
COPY matching ./matching
COPY templates ./templates
RUN pip install --no-cache-dir -e . && npm run build
RUN useradd --system --home /var/lib/market market && mkdir -p /var/lib/market \
    && chown market /var/lib/market
USER market
EXPOSE 8000
CMD ["market", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
