"""Deployment is generated from the same routing table the local router uses."""

from __future__ import annotations

from pathlib import Path

from deploy.deploy import Target, deploy_command, stage
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
