"""Post dead letters again, once the function that refused them is fixed.

``make up`` writes each function's current URL to ``.localcloud/endpoints.json``; this
command posts every dead letter in the dead-letter directory to its function's *current*
URL (ports change between runs) with the very headers and body the router sent, moves
the ones that now succeed to ``redriven/`` (with how the redrive went), and exits
non-zero if any still fails, so it can gate a script::

    python -m shared.localcloud.redrive [--dir D] [--endpoints F] [--list]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import requests

from shared.localcloud.dead_letters import (
    DEFAULT_DEAD_LETTER_DIR,
    REDRIVEN_SUBDIR,
    DeadLetter,
    load_dead_letters,
)
from shared.localcloud.emulators import REPO_ROOT

DEFAULT_ENDPOINTS = REPO_ROOT / ".localcloud" / "endpoints.json"


def write_endpoints(path: Path, urls: Mapping[str, str]) -> None:
    """Record where each function listens now, for this command to find."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"functions": dict(urls),
               "written_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    tmp.replace(path)


def read_endpoints(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    functions = data.get("functions", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in functions.items()}


def redrive_one(letter: DeadLetter, url: str) -> tuple[bool, str]:
    """One POST of the recorded request; success is a 2xx, as for the router."""
    try:
        response = requests.post(url, data=letter.body, headers=letter.headers,
                                 timeout=letter.timeout_seconds)
    except requests.RequestException as exc:
        return False, repr(exc)
    outcome = f"HTTP {response.status_code}"
    return 200 <= response.status_code < 300, outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.localcloud.redrive",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DEAD_LETTER_DIR,
                        help="dead-letter directory (default: %(default)s)")
    parser.add_argument("--endpoints", type=Path, default=DEFAULT_ENDPOINTS,
                        help="function URLs written by `make up` (default: %(default)s)")
    parser.add_argument("--list", action="store_true",
                        help="only list the dead letters; post nothing")
    args = parser.parse_args(argv)

    letters = load_dead_letters(args.dir)
    if not letters:
        print(f"no dead letters in {args.dir}")
        return 0
    if args.list:
        for path, letter in letters:
            print(f"{path.name}: {letter.describe()} (last attempt {letter.last_attempt_at})")
        print(f"{len(letters)} dead letter(s) in {args.dir}")
        return 0
    try:
        endpoints = read_endpoints(args.endpoints)
    except (OSError, ValueError) as exc:
        print(f"cannot read function URLs from {args.endpoints} ({exc}); is `make up` "
              "running?", file=sys.stderr)
        return 2

    redriven_dir = args.dir / REDRIVEN_SUBDIR
    failed = 0
    for path, letter in letters:
        url = endpoints.get(letter.function)
        if url is None:
            ok, outcome = False, f"no URL for function {letter.function!r} in {args.endpoints}"
        else:
            ok, outcome = redrive_one(letter, url)
        if ok:
            letter.write(redriven_dir, extra={
                "redriven_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "redriven_to": url, "redrive_outcome": outcome})
            path.unlink()
            print(f"redriven  {path.name}: {letter.function} ← {letter.event_type} "
                  f"{letter.subject}: {outcome}")
        else:
            failed += 1
            print(f"FAILED    {path.name}: {letter.function} ← {letter.event_type} "
                  f"{letter.subject}: {outcome}")
    print(f"{len(letters) - failed} redriven, {failed} still failing"
          + (f" (left in {args.dir})" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
