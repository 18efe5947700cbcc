# One image for web, worker, beat and Flower (see compose.yaml). It installs the production
# lock: the dependencies without the dev extra, so no test tools (pytest, playwright, ruff)
# ship in it.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.prod.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.prod.lock
COPY . .
ENV PYTHONUNBUFFERED=1 VAR_DIR=/app/var MEDIA_ROOT=/media STATIC_ROOT=/static
RUN useradd --create-home console \
 && mkdir -p /app/var /media /static && chown console /app/var /media /static
USER console
EXPOSE 8000
# gunicorn.conf.py (read from /app) sets the workers and a log without query strings.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
