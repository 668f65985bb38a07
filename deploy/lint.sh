#!/usr/bin/env bash
# The static gates: ruff (lint and format) and mypy --strict over services/, shared/, bench/ and tests/.
# Any finding fails. `bash deploy/test.sh` runs this first; it also runs alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
venv="$(dirname "$python")"
cd "$root"
paths=(services shared bench tests)
status=0
step() {
  local name=$1 started=$SECONDS
  shift
  if "$@"; then
    printf 'gate %-14s passed in %ss\n' "$name" "$((SECONDS - started))"
  else
    printf 'gate %-14s FAILED after %ss\n' "$name" "$((SECONDS - started))"
    status=1
  fi
}
step "ruff check" "$venv/ruff" check --no-cache "${paths[@]}"
step "ruff format" "$venv/ruff" format --no-cache --check "${paths[@]}"
step "mypy --strict" "$venv/mypy" "${paths[@]}"
exit "$status"
