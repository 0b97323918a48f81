"""Cloud Function (HTTP): Identity Platform blocking function for beforeCreate and
beforeSignIn; provisions ``users/{uid}`` (see shared/provisioning.py for why and how)."""

from __future__ import annotations

import flask
import functions_framework

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.provisioning import handle_blocking_request


@functions_framework.http
def before_auth(request: flask.Request) -> flask.Response:
    settings = get_settings()
    structured_log.configure(settings.log_level)
    body, status = handle_blocking_request(
        request.get_json(silent=True), get_db(), settings.project)
    response = flask.jsonify(body)
    response.status_code = status
    return response
