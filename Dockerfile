# One image for web, worker, beat and Flower (see compose.yaml). It installs the production
# lock: the dependencies without the dev extra, so no test tools (pytest, playwright, ruff)
# ship in it.
#
# The builder compiles what needs a compiler: PyICU (roll order) against libicu-dev, and the
# label catalogs with gettext's msgfmt. The final image gets the wheels and .mo files only.
FROM python:3.11-slim-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.prod.lock .
RUN pip wheel --no-cache-dir --require-hashes -r requirements.prod.lock -w /wheels
COPY locale locale
RUN find locale -name django.po -execdir msgfmt --check -o django.mo django.po \;

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk libicu72 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
COPY . .
COPY --from=builder /build/locale locale
ENV PYTHONUNBUFFERED=1 VAR_DIR=/app/var MEDIA_ROOT=/media STATIC_ROOT=/static
RUN useradd --create-home console \
 && mkdir -p /app/var /media /static && chown console /app/var /media /static
USER console
EXPOSE 8000
# gunicorn.conf.py (read from /app) sets the workers and a log without query strings.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
