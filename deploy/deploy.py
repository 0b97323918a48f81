"""Deploy every function in ``shared.routing.ROUTES`` to one GCP project.

The routing table that drives the local event router also drives deployment, so a
trigger tested locally is the trigger deployed. Each function is staged in its own
folder: its ``main.py``, the ``shared`` library (without the local-cloud tooling) and
``requirements.txt``, which is what the python312 runtime builds from.

    .venv/bin/python -m deploy.deploy --project P --region asia-northeast1 \
        --bucket B --firestore-location asia-northeast1 [--apply]

Without ``--apply`` it stages and prints the ``gcloud`` commands (a dry run). It also sets
the Firestore TTL policies that delete bookkeeping records by their ``expireAt`` field.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shared.idempotency import EXPIRE_AT, LEDGER_COLLECTION
from shared.routing import ROUTES, Route

REPO_ROOT = Path(__file__).resolve().parents[1]
EXCLUDED = shutil.ignore_patterns("localcloud", "__pycache__", "*.pyc")

# Collection groups whose records carry an ``expireAt`` timestamp for a TTL policy: the
# idempotency ledger, and the derived side's dirty-group marks and group recompute state
# (``shared.derived.group_marks`` / ``group_recompute``; named here, not imported, so
# staging does not depend on that module's layout).
TTL_COLLECTION_GROUPS = (LEDGER_COLLECTION, "_groupDirty", "_groupState")


@dataclass(frozen=True)
class Target:
    project: str
    region: str
    bucket: str
    firestore_location: str
    service_account: str | None = None


def trigger_flags(route: Route, target: Target) -> list[str]:
    """The ``gcloud functions deploy`` trigger flags for one route."""
    if route.trigger == "storage":
        return [f"--trigger-bucket={target.bucket}"]
    if route.trigger == "pubsub":
        return [f"--trigger-topic={route.resource}"]
    if route.trigger == "firestore":
        return [
            f"--trigger-event-filters=type={route.event_type}",
            "--trigger-event-filters=database=(default)",
            f"--trigger-event-filters-path-pattern=document={route.resource}",
            f"--trigger-location={target.firestore_location}",
        ]
    return ["--trigger-http"]


def deploy_command(route: Route, target: Target, source: Path) -> list[str]:
    command = [
        "gcloud", "functions", "deploy", route.function.replace("_", "-"),
        "--gen2", f"--project={target.project}", f"--region={target.region}",
        "--runtime=python312", f"--source={source}", f"--entry-point={route.entry_point}",
        f"--timeout={route.timeout_seconds}s", f"--memory={route.memory}",
        f"--set-env-vars=GOOGLE_CLOUD_PROJECT={target.project},DOCUMENTS_BUCKET={target.bucket},"
        "OCR_ENGINE=vision",
        *trigger_flags(route, target),
    ]
    if route.trigger in ("storage", "pubsub", "firestore"):
        command.append("--retry")
    elif route.trigger == "http":
        # Browsers and Identity Platform call these; the function itself verifies the
        # Firebase ID token (or the blocking-function JWT) and applies the roles.
        command.append("--allow-unauthenticated")
    elif route.trigger == "schedule":
        command.append("--no-allow-unauthenticated")  # only Cloud Scheduler's OIDC identity
    if target.service_account:
        command.append(f"--service-account={target.service_account}")
    return command


def scheduler_command(route: Route, target: Target, url: str) -> list[str]:
    """Scheduled functions are HTTP functions called by Cloud Scheduler."""
    return [
        "gcloud", "scheduler", "jobs", "create", "http", f"{route.function}-schedule",
        f"--project={target.project}", f"--location={target.region}",
        f"--schedule={route.resource}", f"--uri={url}", "--http-method=POST",
        *([f"--oidc-service-account-email={target.service_account}"]
          if target.service_account else []),
    ]


def ttl_commands(target: Target) -> list[list[str]]:
    """One TTL policy per collection group: Firestore deletes a record after its
    ``expireAt`` (typically within a day), so bookkeeping does not grow without bound."""
    return [
        ["gcloud", "firestore", "fields", "ttls", "update", EXPIRE_AT,
         f"--collection-group={group}", "--enable-ttl", f"--project={target.project}"]
        for group in TTL_COLLECTION_GROUPS
    ]


def stage(route: Route, build_dir: Path) -> Path:
    """Copy one function's source, the shared library and requirements into a folder."""
    dest = build_dir / route.function
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "functions" / route.function / "main.py", dest / "main.py")
    shutil.copytree(REPO_ROOT / "shared", dest / "shared", ignore=EXCLUDED)
    shutil.copy2(REPO_ROOT / "requirements.txt", dest / "requirements.txt")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", default="asia-northeast1")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--firestore-location", default="asia-northeast1")
    parser.add_argument("--service-account")
    parser.add_argument("--build-dir", type=Path, default=REPO_ROOT / "build" / "functions")
    parser.add_argument("--apply", action="store_true", help="run the commands")
    args = parser.parse_args()
    target = Target(args.project, args.region, args.bucket, args.firestore_location,
                    args.service_account)
    for route in {r.function: r for r in ROUTES if r.trigger != "schedule"}.values():
        source = stage(route, args.build_dir)
        command = deploy_command(route, target, source)
        print(shlex.join(command))
        if args.apply:
            subprocess.run(command, check=True)
    for route in (r for r in ROUTES if r.trigger == "schedule"):
        source = stage(route, args.build_dir)
        print(shlex.join(deploy_command(route, target, source)))
        url = f"https://{target.region}-{target.project}.cloudfunctions.net/{route.function}"
        print(shlex.join(scheduler_command(route, target, url)))
    for command in ttl_commands(target):
        print(shlex.join(command))
        if args.apply:
            subprocess.run(command, check=True)
    print("# Firestore rules and indexes: firebase deploy --only firestore:rules,firestore:indexes"
          f" --project {target.project}")


if __name__ == "__main__":
    main()
