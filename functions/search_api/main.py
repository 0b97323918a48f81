"""Cloud Function (HTTP): full-text search for the web client (see shared/search)."""

from __future__ import annotations

import flask
import functions_framework

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.search.http_api import handle_search


@functions_framework.http
def search_documents(request: flask.Request) -> flask.Response:
    structured_log.configure(get_settings().log_level)
    body, status, headers = handle_search(request, get_db())
    response = flask.jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response
