"""Deployment is generated from the same routing table the local router uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deploy import deploy
from deploy.deploy import TTL_COLLECTION_GROUPS, Target, deploy_command, stage, ttl_commands
from shared.idempotency import EXPIRE_AT, LEDGER_COLLECTION
from shared.routing import ROUTES

TARGET = Target(project="care-prod", region="asia-northeast1", bucket="care-prod-files",
                firestore_location="asia-northeast1", service_account="fn@care-prod.iam")


def test_every_event_route_deploys_with_its_trigger_and_retry(tmp_path: Path) -> None:
    for route in ROUTES:
        command = deploy_command(route, TARGET, tmp_path)
        joined = " ".join(command)
        assert f"--entry-point={route.entry_point}" in joined
        assert "--runtime=python312" in joined
        if route.trigger == "storage":
            assert "--trigger-bucket=care-prod-files" in joined and "--retry" in command
        if route.trigger == "firestore":
            assert f"--trigger-event-filters-path-pattern=document={route.resource}" in joined
            assert "--trigger-location=asia-northeast1" in joined and "--retry" in command
        if route.trigger == "http":
            assert "--trigger-http" in command and "--retry" not in command
            assert "--allow-unauthenticated" in command
        if route.trigger == "schedule":
            assert "--no-allow-unauthenticated" in command


def test_staged_source_has_main_shared_and_requirements_without_dev_tooling(
    tmp_path: Path,
) -> None:
    staged = stage(ROUTES[0], tmp_path)
    assert (staged / "main.py").is_file()
    assert (staged / "requirements.txt").is_file()
    assert (staged / "shared" / "routing.py").is_file()
    assert not (staged / "shared" / "localcloud").exists()


def test_ttl_policies_cover_every_collection_with_expire_at() -> None:
    commands = ttl_commands(TARGET)
    assert {LEDGER_COLLECTION, "_groupDirty", "_groupState"} <= set(TTL_COLLECTION_GROUPS)
    assert EXPIRE_AT == "expireAt"
    assert ["gcloud", "firestore", "fields", "ttls", "update", "expireAt",
            "--collection-group=_idempotency", "--enable-ttl",
            "--project=care-prod"] in commands
    assert ["gcloud", "firestore", "fields", "ttls", "update", "expireAt",
            "--collection-group=_groupDirty", "--enable-ttl",
            "--project=care-prod"] in commands
    assert len(commands) == len(TTL_COLLECTION_GROUPS)


def test_main_prints_the_ttl_steps_and_applies_them_with_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(deploy.subprocess, "run",
                        lambda command, check: ran.append(list(command)))
    argv = ["deploy", "--project", "care-prod", "--bucket", "care-prod-files",
            "--build-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    deploy.main()
    printed = capsys.readouterr().out
    for group in TTL_COLLECTION_GROUPS:
        assert (f"gcloud firestore fields ttls update expireAt --collection-group={group} "
                "--enable-ttl --project=care-prod") in printed
    assert ran == []  # a dry run runs nothing

    monkeypatch.setattr(sys, "argv", [*argv, "--apply"])
    deploy.main()
    assert all(command in ran for command in ttl_commands(TARGET))
