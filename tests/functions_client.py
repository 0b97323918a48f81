"""Post real CloudEvent HTTP requests to a function in-process (functions-framework's
Flask app and test client), exactly as Eventarc would post them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import functions_framework
from flask.testing import FlaskClient

from shared.localcloud.cloudevents_http import HttpEvent

REPO_ROOT = Path(__file__).resolve().parents[1]


def function_client(function: str, target: str, signature: str = "cloudevent") -> FlaskClient:
    source = REPO_ROOT / "functions" / function / "main.py"
    app = functions_framework.create_app(target, str(source), signature)
    return app.test_client()


def post_event(client: FlaskClient, event: HttpEvent) -> Any:
    return client.post("/", data=event.body, headers=event.headers)
