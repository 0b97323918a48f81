"""Benchmark: how long the local cloud takes to start (emulators, then functions).

    .venv/bin/python -m benchmarks.localcloud_startup [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from shared.localcloud.cloud import LocalCloud


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    emulators: list[float] = []
    functions: list[float] = []
    per: dict[str, list[float]] = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cloud = LocalCloud(log_dir=Path(tmp))
            began = time.monotonic()
            try:
                cloud.start_emulators()
                emulators.append(time.monotonic() - began)
                assert cloud.emulators is not None
                for name, seconds in cloud.emulators.startup_seconds.items():
                    per.setdefault(name, []).append(seconds)
                cloud.start_functions()
                functions.append(cloud.timings["functions"])
            finally:
                cloud.stop()
    print(f"runs: {args.runs}")
    for name, values in per.items():
        print(f"  {name:<10} ready after {statistics.median(values):.2f}s (median)")
    print(f"emulators (all three, in parallel): median {statistics.median(emulators):.2f}s, "
          f"max {max(emulators):.2f}s")
    print(f"functions (all, in parallel):       median {statistics.median(functions):.2f}s, "
          f"max {max(functions):.2f}s")


if __name__ == "__main__":
    main()
