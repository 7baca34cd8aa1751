# The image a hospital IT team runs: the same one for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production

# The major version of the PostgreSQL server (docker-compose.yml's db image): `manage.py
# backup` needs a pg_dump at least that new, from the PostgreSQL project's apt repository.
ARG PG_MAJOR=16

# WeasyPrint (care-plan PDFs) needs Pango; gettext compiles the nl/fr/en catalogues.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core gettext ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] \
      https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The pinned versions with their hashes first (a layer that changes only with the lock),
# then the app itself without resolving anything again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY config ./config
COPY dossier ./dossier
COPY network ./network
COPY careplan ./careplan
COPY ebirth ./ebirth
COPY demo ./demo
RUN pip install --no-deps .
COPY . .

# collectstatic and compilemessages need settings, not services: placeholders suffice here.
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build/build \
    REDIS_URL=redis://build:6379/0 sh -c \
    "python manage.py collectstatic --noinput && python manage.py compilemessages --ignore=.venv"

# Not root: the app runs as `dossier` (uid 1000), which owns only what it writes: the
# eBirth files and the beat heartbeat (named volumes in docker-compose.yml take this
# ownership from the image). The code stays root's, read-only to the app.
RUN useradd --system --uid 1000 --home /app dossier \
 && install -d -o dossier -g dossier /var/lib/moederschapsdossier/ebirth \
      /var/lib/moederschapsdossier/heartbeat /backups
ENV EBIRTH_EXPORT_DIR=/var/lib/moederschapsdossier/ebirth \
    HEARTBEAT_DIR=/var/lib/moederschapsdossier/heartbeat BACKUP_DIR=/backups
USER dossier
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]
