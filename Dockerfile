# The image a hospital IT team runs: the same one for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production

# WeasyPrint (care-plan PDFs) needs Pango; gettext compiles the nl/fr/en catalogues.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY dossier ./dossier
COPY network ./network
COPY careplan ./careplan
COPY ebirth ./ebirth
COPY demo ./demo
RUN pip install .
COPY . .

# collectstatic and compilemessages need settings, not services: placeholders suffice here.
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build/build \
    REDIS_URL=redis://build:6379/0 sh -c \
    "python manage.py collectstatic --noinput && python manage.py compilemessages --ignore=.venv"

RUN useradd --system --uid 1000 --home /app dossier && chown -R dossier /app
USER dossier
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]
