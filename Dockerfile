# One image for web, worker and beat (see compose.yaml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
ENV PYTHONUNBUFFERED=1 VAR_DIR=/app/var MEDIA_ROOT=/media
RUN useradd --create-home console && mkdir -p /app/var /media && chown console /app/var /media
USER console
