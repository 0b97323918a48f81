"""Cloud Function (HTTP, called by Cloud Scheduler): rescue stuck documents."""

from __future__ import annotations

import json

import flask
import functions_framework

from shared.handlers.rescue_stuck import handle_rescue


@functions_framework.http
def rescue(request: flask.Request) -> flask.Response:
    if request.method != "POST":
        return flask.Response("POST only", status=405)
    result = handle_rescue()
    return flask.Response(json.dumps(result, ensure_ascii=False), status=200,
                          mimetype="application/json")
