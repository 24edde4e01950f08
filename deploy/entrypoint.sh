#!/bin/sh
# The container's entrypoint: one image, the role chooses what runs.
#
#   entrypoint.sh migrate [SERVICE...]   databases, migrations, reference data, queues (one-shot)
#   entrypoint.sh registry|verification|referral|notifications|gateway
#                                        that nameko service, in the foreground
#   entrypoint.sh wait-migrated SERVICE  wait until SERVICE's database is at its latest migration
#                                        (a Kubernetes init container)
#   entrypoint.sh healthcheck SERVICE [--ready]
#   entrypoint.sh sipmas ARGS...         any other `sipmas` command (import, generate, relay, ...)
#
# The end-to-end test runs this same script natively with the environment docker-compose.yml
# gives each container (tests/deploy/test_container_commands.py), so what runs here is tested.
set -eu

cd "$(dirname "$0")/.."   # /app in the image: config.yaml and deploy/ live here

role="${1:-}"
[ "$#" -gt 0 ] && shift

case "$role" in
  migrate)
    exec sipmas migrate "$@"
    ;;
  registry | verification | referral | notifications | gateway)
    [ "$#" -eq 0 ] || { echo "entrypoint: $role takes no arguments, got: $*" >&2; exit 64; }
    exec nameko run --config "${SIPMAS_NAMEKO_CONFIG:-config.yaml}" "services.$role.service"
    ;;
  wait-migrated)
    exec python deploy/healthcheck.py "$@" --migrated --wait "${SIPMAS_MIGRATION_WAIT_SECONDS:-600}"
    ;;
  healthcheck)
    exec python deploy/healthcheck.py "$@"
    ;;
  sipmas)
    exec sipmas "$@"
    ;;
  help)
    sed -n '2,10s/^# \{0,1\}//p' "$0"
    ;;
  *)
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
    echo "entrypoint: unknown role '${role}'" >&2
    exit 64
    ;;
esac
