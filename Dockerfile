# One image for every role of the console: the command picks it (deploy/entrypoint.sh):
#   web (the default): migrate once, then gunicorn (deploy/gunicorn.conf.py)
#   emulator: the embedded Cognito service on 0.0.0.0:9229, on its own database, signed requests only
#   celery -A console worker / celery -A console beat / python manage.py ...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Runtime dependencies only, every version and hash from the lock (README "Deploy": updating
# the locks). Copied before the code so a code change does not reinstall them.
COPY requirements.lock .
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# Static files with hashed names (CompressedManifestStaticFilesStorage, DEBUG off). The key
# only lets settings load for this step; it is not kept in the image.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# Run as a user without a shell or a home to write to; the code stays root-owned (read-only to it).
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin console
# Export files (JOB_EXPORT_DIR): the folder it writes; mount a volume shared by web and workers.
# /emulator: the embedded Cognito service's own SQLite database (compose profile "local").
RUN mkdir /exports /emulator && chown console /exports /emulator && chmod 700 /exports /emulator
ENV JOB_EXPORT_DIR=/exports
USER console

EXPOSE 8000
# Liveness only (/healthz touches no database, Redis or Cognito); slim has no curl, so a
# few lines of urllib (deploy/healthcheck.py). Worker, beat and emulator containers override it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]

ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["web"]
