# One image for web, worker and beat (docker-compose.yml). WeasyPrint needs
# Pango and fonts; gettext compiles the catalogs at build time; nothing else
# is fetched at run time.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# compilemessages, collectstatic with DEBUG off, then check --deploy with no warning (also run by .ci/run).
RUN sh deploy/build-checks.sh
# The volumes (media, metrics) take these folders' owner when first mounted.
RUN useradd --create-home metroplan && mkdir -p /app/var/media /app/var/prometheus && chown -R metroplan /app/var
USER metroplan
EXPOSE 8000
# Workers, threads and bind address: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "metroplan.wsgi"]
