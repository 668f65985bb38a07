#!/usr/bin/env bash
# Runs the whole test suite: installs the project, runs the static gates (deploy/lint.sh),
# provisions and starts PostgreSQL and Kafka (stopping them again afterwards if they were
# not running before), runs `kim migrate`, then pytest. Extra arguments go to pytest and skip the gates,
# e.g. `bash deploy/test.sh tests/unit -q`.
# Without arguments it runs everything; the browser suite (tests/browser, Playwright) and the
# fault-injection suite (tests/faults, poison records on its session's topics) each in a pytest
# session of its own.
# Each part prints how long it took.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
bash "$root/deploy/web-assets.sh" --browser # the web views' pinned assets, Chromium for tests/browser
cd "$root"
started=$SECONDS
timed() { # name command...: run, then print the duration
  local name=$1 t0=$SECONDS rc=0
  shift
  "$@" || rc=$?
  printf '== %s: %ss (exit %s)\n' "$name" "$((SECONDS - t0))" "$rc"
  return "$rc"
}
if [[ $# -eq 0 ]]; then
  timed "static gates (ruff, mypy)" bash deploy/lint.sh
fi
was_running=yes
bash deploy/infra.sh status >/dev/null 2>&1 || was_running=no
timed "infrastructure start" bash deploy/infra.sh start
# The tables of the default database, as the owner roles (each test session migrates its own).
timed "kim migrate" "$python" -m services.cli migrate
status=0
if [[ $# -eq 0 ]]; then
  timed "main test session" "$python" -m pytest -p no:cacheprovider --durations=15 || status=$?
  timed "browser session" "$python" -m pytest -p no:cacheprovider --durations=5 tests/browser || status=$?
  timed "fault-injection session" "$python" -m pytest -p no:cacheprovider --durations=5 tests/faults || status=$?
else
  timed "pytest $*" "$python" -m pytest -p no:cacheprovider "$@" || status=$?
fi
if [[ $was_running == no ]]; then
  bash deploy/infra.sh stop || true
fi
printf '== total: %ss (exit %s)\n' "$((SECONDS - started))" "$status"
exit "$status"
