# Rapport: one stateless worker. Run several against one PostgreSQL (see compose.yaml
# and docs/deployment.md). Build: docker build -t rapport .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A system user that owns nothing it could overwrite: the code belongs to root.
RUN groupadd --system rapport \
    && useradd --system --gid rapport --home-dir /home/rapport --create-home \
       --shell /usr/sbin/nologin rapport

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bench ./bench
COPY bot ./bot
COPY handlers ./handlers
COPY memory ./memory
COPY prompts ./prompts
RUN pip install . && rm -rf /app/build

USER rapport
WORKDIR /home/rapport

# In a container the app listens on every interface; JSON logs for the collector.
# Beyond loopback the console needs RAPPORT_SECRET_KEY and an admin login
# (`rapport users add NAME --role admin`), or `rapport run` refuses to start.
ENV RAPPORT_HOST=0.0.0.0 \
    RAPPORT_PORT=8000 \
    RAPPORT_LOG_FORMAT=json
EXPOSE 8000

# /healthz runs a query, so a worker that lost its database turns unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('RAPPORT_PORT', '8000') + '/healthz', timeout=4)"]

CMD ["rapport", "run"]
