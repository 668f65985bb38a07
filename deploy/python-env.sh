#!/usr/bin/env bash
# Creates .venv and installs the project with its test extras, once per pyproject.toml change.
# Sourced by deploy/up.sh and deploy/test.sh; prints the venv's python path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KIM_VENV:-$root/.venv}"
python="${KIM_PYTHON:-python3}"
stamp="$venv/.kim-installed"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv" >&2
fi
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "python: installing the project into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root[test]" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
