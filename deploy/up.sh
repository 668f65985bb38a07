#!/usr/bin/env bash
# Runs the whole system: PostgreSQL, Kafka, Keycloak, and API, relay and projector of
# intake, foreign_office and kobiz; prints the URLs. `--demo` seeds a demo case and
# prints the demo users (one per role; development realm only).
# Stop everything with: .venv/bin/kim stop
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
bash "$root/deploy/web-assets.sh" # the web views' pinned assets (web/static)
cd "$root"
exec "$python" -m services.cli start "$@"
