"""Start, wipe and stop the real emulators: Firestore (with rules), Pub/Sub, Storage.

Firestore and Pub/Sub are the gcloud emulators; Storage is ``gcp-storage-emulator``,
which ``google-cloud-storage`` reaches through ``STORAGE_EMULATOR_HOST``. Each listens on
a free loopback port; ``Emulators.env()`` gives the variables a client or a function
process needs to find them.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared.localcloud.ports import free_port, wait_for_port
from shared.localcloud.processes import ProcessGroup

REPO_ROOT = Path(__file__).resolve().parents[2]


class EmulatorStartError(RuntimeError):
    """An emulator did not come up; the message carries the tail of its log."""


@dataclass
class Emulators:
    """The three emulators of one local cloud."""

    project: str
    bucket: str
    log_dir: Path
    rules_path: Path = REPO_ROOT / "firestore.rules"
    firestore_port: int = 0
    pubsub_port: int = 0
    storage_port: int = 0
    startup_seconds: dict[str, float] = field(default_factory=dict)
    _group: ProcessGroup | None = None

    @property
    def firestore_host(self) -> str:
        return f"127.0.0.1:{self.firestore_port}"

    @property
    def pubsub_host(self) -> str:
        return f"127.0.0.1:{self.pubsub_port}"

    @property
    def storage_host(self) -> str:
        return f"http://127.0.0.1:{self.storage_port}"

    def env(self) -> dict[str, str]:
        """Environment for clients and function processes that use these emulators."""
        return {
            "GOOGLE_CLOUD_PROJECT": self.project,
            "GCLOUD_PROJECT": self.project,
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "PUBSUB_EMULATOR_HOST": self.pubsub_host,
            "STORAGE_EMULATOR_HOST": self.storage_host,
            "DOCUMENTS_BUCKET": self.bucket,
        }

    def start(self) -> None:
        """Start all three in parallel and wait until each answers."""
        gcloud = shutil.which("gcloud")
        if gcloud is None:
            raise EmulatorStartError(
                "gcloud is not installed: run `make sysdeps` (google-cloud-cli with the "
                "firestore and pubsub emulators, and a Java runtime)"
            )
        self._group = ProcessGroup(self.log_dir)
        self.firestore_port = free_port()
        self.pubsub_port = free_port()
        self.storage_port = free_port()
        began = time.monotonic()
        firestore_args = [
            gcloud, "emulators", "firestore", "start",
            f"--host-port=127.0.0.1:{self.firestore_port}",
        ]
        if self.rules_path.exists():
            firestore_args.append(f"--rules={self.rules_path}")
        procs = {
            "firestore": self._group.start("firestore", firestore_args, env=os.environ),
            "pubsub": self._group.start(
                "pubsub",
                [gcloud, "beta", "emulators", "pubsub", "start",
                 f"--host-port=127.0.0.1:{self.pubsub_port}", f"--project={self.project}"],
                env=os.environ,
            ),
            "storage": self._group.start(
                "storage",
                [sys.executable, "-m", "gcp_storage_emulator", "start",
                 "--host", "127.0.0.1", "--port", str(self.storage_port),
                 "--in-memory", "--default-bucket", self.bucket, "--quiet"],
                env=os.environ,
            ),
        }
        ports = {
            "firestore": self.firestore_port,
            "pubsub": self.pubsub_port,
            "storage": self.storage_port,
        }
        for name, port in ports.items():
            try:
                wait_for_port(port, timeout=90, alive=procs[name].alive)
            except TimeoutError as exc:
                tail = procs[name].log_tail()
                self.stop()
                raise EmulatorStartError(f"{name} emulator did not start:\n{tail}") from exc
            self.startup_seconds[name] = time.monotonic() - began
        self._wait_firestore_ready()
        self.startup_seconds["all"] = time.monotonic() - began

    def _wait_firestore_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://{self.firestore_host}/", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise EmulatorStartError("firestore emulator did not answer HTTP")

    def wipe(self) -> None:
        """Delete every Firestore document and every object in the bucket."""
        url = (
            f"http://{self.firestore_host}/emulator/v1/projects/{self.project}"
            "/databases/(default)/documents"
        )
        requests.delete(url, timeout=30).raise_for_status()
        import google.cloud.storage as storage  # local import: env must be set first

        client = storage.Client(project=self.project)
        bucket = client.bucket(self.bucket)
        for blob in list(client.list_blobs(bucket)):
            blob.delete()

    def load_rules(self, rules_text: str) -> None:
        """Replace the Firestore rules of the running emulator."""
        url = f"http://{self.firestore_host}/emulator/v1/projects/{self.project}:securityRules"
        body = {"rules": {"files": [{"name": "firestore.rules", "content": rules_text}]}}
        requests.put(url, json=body, timeout=30).raise_for_status()

    def stop(self) -> None:
        if self._group is not None:
            self._group.stop_all()
            self._group = None
