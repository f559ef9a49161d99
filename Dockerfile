FROM python:3.11-slim
# WeasyPrint needs Pango; fonts for the PDF reports.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
ENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=metroplan.settings
EXPOSE 8000
CMD ["gunicorn", "metroplan.wsgi:application", "--bind", "0.0.0.0:8000"]
