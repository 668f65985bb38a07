#!/usr/bin/env bash
# Runs the full test suite: installs the project, provisions and starts PostgreSQL and
# Kafka (stopping them again afterwards if they were not running before), then pytest.
# Extra arguments go to pytest, e.g. `bash deploy/test.sh tests/unit -q`.
# Without arguments it runs everything, the fault-injection suite (tests/faults) in a
# second pytest session of its own: it puts poison records on its session's topics.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
cd "$root"
was_running=yes
bash deploy/infra.sh status >/dev/null 2>&1 || was_running=no
bash deploy/infra.sh start
status=0
if [[ $# -eq 0 ]]; then
  "$python" -m pytest -p no:cacheprovider || status=$?
  "$python" -m pytest -p no:cacheprovider tests/faults || status=$?
else
  "$python" -m pytest -p no:cacheprovider "$@" || status=$?
fi
if [[ $was_running == no ]]; then
  bash deploy/infra.sh stop || true
fi
exit "$status"
