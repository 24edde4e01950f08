# syntax=docker/dockerfile:1
# One image for every SIPMAS service; the command chooses the role (deploy/entrypoint.sh):
#   docker run sipmas migrate        databases, migrations, reference data, queues
#   docker run sipmas registry       (verification, referral, notifications, gateway)
# Build: docker build -t sipmas .    Deploy: docker compose up, or deploy/k8s (deploy/README.md).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- builder: a virtual environment with the pinned dependencies and SIPMAS itself ------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --quiet "pip<26"
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first (from pyproject.toml alone), so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write('\n'.join(deps))" \
 && pip install --quiet -r requirements.txt

COPY sipmas ./sipmas
COPY sipmas_cli ./sipmas_cli
COPY services ./services
RUN pip install --quiet --no-deps .

# --- web: the browser application and the field app (web/dist), built with npm -----------------
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

# --- runtime: the venv, the built web app, two scripts, no compilers, not root -----------------
FROM ${PYTHON_IMAGE}
ARG SIPMAS_UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SIPMAS_EVIDENCE_ROOT=/var/lib/sipmas/evidence \
    SIPMAS_UPLOAD_ROOT=/var/lib/sipmas/uploads \
    SIPMAS_FIELD_KEY_DIR=/var/lib/sipmas/keys \
    SIPMAS_WEB_ROOT=/app/web/dist

# tzdata: quiet hours and the agencies' digest follow Asia/Makassar (zoneinfo).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid ${SIPMAS_UID} sipmas \
 && useradd --system --uid ${SIPMAS_UID} --gid sipmas --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin sipmas \
 && install -d -o sipmas -g sipmas /var/lib/sipmas/evidence /var/lib/sipmas/uploads \
 && install -d -m 0700 -o sipmas -g sipmas /var/lib/sipmas/keys

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --from=web /web/dist ./web/dist
COPY config.yaml ./
COPY --chmod=0755 deploy/entrypoint.sh deploy/healthcheck.py ./deploy/

# Fail the build, not the rollout, when a service cannot be imported or the timezone is missing.
RUN python -c "import zoneinfo; zoneinfo.ZoneInfo('Asia/Makassar')" \
 && for module in /opt/venv/lib/python3.*/site-packages/services/*/service.py; do \
      name=$(basename "$(dirname "$module")"); \
      python -W ignore -c "import services.${name}.service" || exit 1; \
    done

USER ${SIPMAS_UID}:${SIPMAS_UID}
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["help"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
