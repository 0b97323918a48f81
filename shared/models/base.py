"""Base classes and field types every Firestore model shares.

Field names in Python are snake_case; what Firestore stores (and the web client reads) is
the seeds' camelCase, produced by an alias generator. Constructing a model accepts either
spelling, so backend code writes ``Document(file_name=...)`` and a snapshot's
``{"fileName": ...}`` validates without translation.

Two bases make the unknown-field policy a visible, per-model decision:

- :class:`OpenModel` (``extra="allow"``) keeps fields it does not know and writes them back
  unchanged. For records that the web client or a newer function version also writes: a
  read-modify-write by an older backend must never silently drop their fields.
- :class:`ClosedModel` (``extra="forbid"``) rejects them. For configuration (a misspelt
  ``allowedDomain`` must fail loudly, not be ignored) and for backend-only structures whose
  shape and size we must guarantee.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


def _to_utc(value: datetime) -> datetime:
    """Timezone-aware UTC. A naive value is taken as UTC, as the Firestore client does when
    it stores one; an aware one is converted.

    Firestore's ``DatetimeWithNanoseconds`` (a ``datetime`` subclass, always UTC) passes
    through untouched: its ``replace()`` loses the nanoseconds attribute, so it is never
    rebuilt unless it needs converting.
    """
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        # Same instant; a plain datetime gets the canonical ``UTC`` tzinfo.
        return value.replace(tzinfo=UTC) if type(value) is datetime else value
    if type(value) is not datetime:
        value = datetime(value.year, value.month, value.day, value.hour, value.minute,
                         value.second, value.microsecond, tzinfo=value.tzinfo)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
"""A Firestore timestamp: always a timezone-aware UTC ``datetime`` once validated."""

# Kept literally in each base (not unpacked from a shared dict) so that the pydantic mypy
# plugin sees ``validate_by_name`` and types ``Model(snake_case=...)`` constructors.
# ``validate_assignment``: a value set after construction (a status, a score) is checked
# where it is made, not discovered later by the web client.


class OpenModel(BaseModel):
    """Unknown fields are kept and written back (see the module docstring)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        validate_assignment=True,
        extra="allow",
    )


class ClosedModel(BaseModel):
    """Unknown fields are rejected (see the module docstring)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        validate_assignment=True,
        extra="forbid",
    )

