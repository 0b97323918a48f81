"""The search endpoint the web client calls: verify the caller, validate, answer.

The caller is identified only by their Firebase ID token (``shared.auth.authenticate``),
with the roles that may read ``documents`` in firestore.rules (admin, user); nothing in
the request body names a user. Query parameters (GET) or a JSON body (POST) carry a
``SearchRequest``; the answer lists hits with the fields a result row shows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import flask
from google.cloud import firestore
from pydantic import ValidationError

from shared import structured_log
from shared.auth import AuthError, authenticate, require_role
from shared.search.query import InvalidCursorError, SearchPage, SearchRequest, search

logger = structured_log.get_logger("shared.search.http_api")
ALLOWED_ROLES = ("admin", "user")
RESULT_FIELDS = ("fileName", "customerName", "officeName", "documentType", "fileDate",
                 "status", "careManager")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",  # bearer tokens, no cookies: any origin is safe
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "3600",
}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def page_body(page: SearchPage) -> dict[str, Any]:
    results = []
    for hit in page.hits:
        doc = page.documents.get(hit.id)
        if doc is None:
            continue  # deleted after it was indexed; its delete event will follow
        row: dict[str, Any] = {"id": hit.id, "score": hit.score, "fieldsMask": hit.fields_mask}
        row.update({f: _json_value(doc.get(f)) for f in RESULT_FIELDS if f in doc})
        results.append(row)
    return {"results": results, "nextCursor": page.next_cursor, "total": page.total}


def _request_data(request: flask.Request) -> dict[str, Any]:
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValueError("JSON の本文が必要です")
        return body
    data: dict[str, Any] = {k: v for k, v in request.args.items()}
    return data


def handle_search(request: flask.Request, db: firestore.Client) -> tuple[dict[str, Any], int,
                                                                       dict[str, str]]:
    """(body, status, headers) for one HTTP request."""
    if request.method == "OPTIONS":
        return {}, 204, CORS_HEADERS
    if request.method not in ("GET", "POST"):
        return {"error": "GET か POST で呼び出してください"}, 405, CORS_HEADERS
    try:
        caller = authenticate(request, db)
        require_role(caller, *ALLOWED_ROLES)
    except AuthError as exc:
        structured_log.log(logger, logging.WARNING, "search refused", status=exc.status)
        return {"error": exc.message}, exc.status, CORS_HEADERS
    try:
        query = SearchRequest.model_validate(_request_data(request))
        if not query.q.strip() and query.group_type is None:
            raise ValueError("検索語かグループを指定してください")
        page = search(db, query, with_documents=True)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in exc.errors()]
        return {"error": "検索条件が正しくありません", "details": errors}, 400, CORS_HEADERS
    except (InvalidCursorError, ValueError) as exc:
        return {"error": str(exc)}, 400, CORS_HEADERS
    structured_log.log(logger, logging.INFO, "search answered", uid=caller.uid,
                       hits=len(page.hits), total=page.total, reads=page.reads)
    return page_body(page), 200, CORS_HEADERS
