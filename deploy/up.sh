#!/usr/bin/env bash
# Runs the whole system: PostgreSQL, Kafka, and API, relay and projector of intake,
# foreign_office and kobiz; prints the URLs. `--demo` seeds a demo case.
# Stop everything with: .venv/bin/kim stop
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
cd "$root"
exec "$python" -m services.cli start "$@"
