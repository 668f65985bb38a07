#!/usr/bin/env bash
# Runs the benchmark suite on the real stack (see docs/benchmarks.md):
#   bash bench/run.sh            quick run (store sizes 2k → 20k), about 5 minutes
#   bash bench/run.sh --full     store sizes 10k → 100k → 1M, about 20 minutes
#   bash bench/run.sh --smoke    tiny sizes, seconds (what tests/bench runs)
#   bash bench/run.sh --full --only append   the append phase alone (G1, G2, G11), about 1-2 minutes
#   bash bench/run.sh --only render          page rendering alone (G12), about half a minute
#                                            (with --full 2,000 pairs instead of 300, about 2 minutes)
# Installs the project, provisions and starts PostgreSQL and Kafka if needed (and leaves
# them running: other sessions may share them; `bash deploy/infra.sh stop` stops them),
# then `python -m bench`, which works in a database and topic prefix of its own and
# removes them when done. Extra arguments go to `python -m bench` (see `--help`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/deploy/python-env.sh")"
cd "$root"
bash deploy/infra.sh start
exec "$python" -m bench "$@"
