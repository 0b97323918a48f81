"""storage.rules compiles: the only check of it we can run locally.

The Storage emulator we use (gcp-storage-emulator) does not evaluate rules, so no request
test is possible. The gcloud Firestore emulator ships the Firebase rules compiler, which
parses any rules service and reports syntax errors (HTTP 400) and unknown functions or
variables (warnings). The one thing it does not know is the Storage-only cross-service
namespace ``firestore.get()`` / ``firestore.exists()``: exactly those warnings are
expected, on exactly the lines that use them; any other issue fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shared.localcloud.cloud import LocalCloud
from shared.localcloud.emulators import Emulators

REPO_ROOT = Path(__file__).resolve().parents[2]
STORAGE_RULES = REPO_ROOT / "storage.rules"
FIRESTORE_RULES = REPO_ROOT / "firestore.rules"

CROSS_SERVICE_WARNINGS = {
    "Invalid variable name: firestore.",
    "Invalid function name: exists.",
    "Incorrect number of arguments supplied to function: get.",
}


def compile_rules(emulators: Emulators, text: str) -> tuple[int, dict[str, Any]]:
    url = (f"http://{emulators.firestore_host}/emulator/v1/projects/{emulators.project}"
           ":securityRules")
    body = {"rules": {"files": [{"name": "storage.rules", "content": text}]}}
    response = requests.put(url, json=body, timeout=30)
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def compiler(local_cloud: LocalCloud) -> Iterator[Emulators]:
    emulators = local_cloud.emulators
    assert emulators is not None
    try:
        yield emulators
    finally:  # the emulator serves Firestore: give it its own rules back
        emulators.load_rules(FIRESTORE_RULES.read_text(encoding="utf-8"))


def test_storage_rules_compile_with_only_cross_service_warnings(compiler: Emulators) -> None:
    text = STORAGE_RULES.read_text(encoding="utf-8")
    status, body = compile_rules(compiler, text)
    assert status == 200, body
    lines = text.splitlines()
    unexpected = [
        issue for issue in body.get("issues", [])
        if issue["description"] not in CROSS_SERVICE_WARNINGS
        or "firestore." not in lines[issue["sourcePosition"]["line"] - 1]
    ]
    assert unexpected == []
    assert body.get("issues"), "the cross-service calls should have been seen by the compiler"


def test_a_broken_copy_is_rejected(compiler: Emulators) -> None:
    """The check above can fail: drop the condition after an ``&&``."""
    text = STORAGE_RULES.read_text(encoding="utf-8")
    broken, count = re.subn(r"&& allowedSize\(\)", "&& ", text)
    assert count == 1
    status, body = compile_rules(compiler, broken)
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"


def test_an_unknown_name_is_reported(compiler: Emulators) -> None:
    text = STORAGE_RULES.read_text(encoding="utf-8")
    misspelt = text.replace("&& allowedContentType()", "&& allowedContentTypes()", 1)
    assert misspelt != text
    status, body = compile_rules(compiler, misspelt)
    assert status == 200
    descriptions = {i["description"] for i in body.get("issues", [])}
    assert "Invalid function name: allowedContentTypes." in descriptions
