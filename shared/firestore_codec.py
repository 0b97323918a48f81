"""Models to Firestore dicts and back.

Writing (:func:`to_firestore`):

- Keys are the seeds' camelCase names (aliases); unknown fields an open model kept are
  written back under their own names.
- ``datetime`` values stay ``datetime`` so that Firestore stores timestamps (not strings);
  enums become their plain values; everything else is what the model holds.
- Absent and ``null`` differ in the seeds (``customerId: null`` = 該当なし, absent = not
  resolved yet), so a field whose default is ``None`` is written only when it was set,
  explicitly, even to ``None``. Non-``None`` defaults (``verified: false``,
  ``status: recorded``) are written: a new document is complete for rules and queries.
- ``partial=True`` writes only the fields that were set (at construction, by assignment or
  by ``model_copy(update=...)``), for ``update()`` and ``set(..., merge=True)``. With
  ``update()`` a nested map given here replaces the stored one; ``set(merge=True)`` merges
  it key by key.
- :func:`update_fields` is the read-modify-write form: the difference between the model as
  read and as changed, ready for ``update()`` (inside the same transaction), so that fields
  another writer changed meanwhile, or a person confirmed, are not written back over.

Reading (:func:`from_firestore`) takes a ``DocumentSnapshot`` or a plain mapping (event
data); a snapshot's id fills the model's ``id`` field when the stored data lacks it.
Firestore's ``DatetimeWithNanoseconds`` validates as a UTC ``datetime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from google.cloud import firestore
from google.cloud.firestore_v1.base_document import DocumentSnapshot
from google.cloud.firestore_v1.field_path import FieldPath
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

# pydantic's nested ``exclude`` specification: field name / list index / dict key → True
# (drop it) or a deeper specification.
_Exclude = dict[Any, Any]


class DocumentNotFoundError(LookupError):
    """:func:`from_firestore` was given the snapshot of a document that does not exist."""


def to_firestore(model: BaseModel, *, partial: bool = False) -> dict[str, Any]:
    """The dict to store for ``model`` (see the module docstring for what is included)."""
    if partial:
        data = model.model_dump(mode="python", by_alias=True, exclude_unset=True)
    else:
        data = model.model_dump(mode="python", by_alias=True,
                                exclude=_unset_nones(model) or None)
    plain: dict[str, Any] = _plain(data)
    return plain


def update_fields(before: BaseModel, after: BaseModel) -> dict[str, Any]:
    """Top-level fields of ``after`` that differ from ``before``, for ``update()``.

    Removed fields map to ``firestore.DELETE_FIELD``. A changed nested map is given whole
    (it replaces the stored one). Keys are quoted field paths (backticks around names that
    are not plain identifiers, e.g. a Japanese key a client added), because ``update()``
    reads dots in keys as nesting. An empty result means there is nothing to write: skip
    the write, and the event it would cause.
    """
    old = to_firestore(before)
    new = to_firestore(after)
    changes: dict[str, Any] = {
        FieldPath(key).to_api_repr(): value
        for key, value in new.items() if key not in old or old[key] != value
    }
    for key in old.keys() - new.keys():
        changes[FieldPath(key).to_api_repr()] = firestore.DELETE_FIELD
    return changes


def from_firestore(model_cls: type[M], source: DocumentSnapshot | Mapping[str, Any]) -> M:
    """Validate stored data as ``model_cls``.

    Raises :class:`DocumentNotFoundError` for a snapshot of a missing document, and
    pydantic's ``ValidationError`` (noting the document path) for data that does not fit.
    """
    path: str | None = None
    if isinstance(source, DocumentSnapshot):
        path = source.reference.path if source.reference is not None else None
        if not source.exists:
            raise DocumentNotFoundError(path or source.id)
        data = dict(source.to_dict() or {})
        if "id" in model_cls.model_fields and data.get("id") is None:
            data["id"] = source.id
    else:
        data = dict(source)
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        if path:
            exc.add_note(f"Firestore document: {path}")
        raise


def _unset_nones(model: BaseModel) -> _Exclude:
    """Exclude spec for fields that hold ``None`` only because nobody set them."""
    spec: _Exclude = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None:
            if name not in model.model_fields_set:
                spec[name] = True
            continue
        nested = _nested(value)
        if nested:
            spec[name] = nested
    return spec


def _nested(value: Any) -> _Exclude | None:
    if isinstance(value, BaseModel):
        return _unset_nones(value) or None
    if isinstance(value, list | tuple):
        items = {i: s for i, item in enumerate(value) if (s := _nested(item))}
        return items or None
    if isinstance(value, dict):
        entries = {k: s for k, item in value.items() if (s := _nested(item))}
        return entries or None
    return None


def _plain(value: Any) -> Any:
    """Enums to their values, tuples to lists; other values (datetimes, Firestore types
    held in unknown fields) unchanged."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
