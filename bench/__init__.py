"""Benchmarks of the real stack with same-run raw baselines (docs/pipeline.md §7).

Run ``bash bench/run.sh [--smoke|--quick|--full]``; see docs/benchmarks.md.
"""
