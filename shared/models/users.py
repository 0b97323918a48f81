"""``users/{uid}``: one signed-in person, shared by both applications.

Seed 004 gives ``email, role (admin|user), createdAt, lastLoginAt``; seed 000 adds
``name, role (counselor|manager|admin), clinic_id, is_active`` (as ``name``, ``clinicId``,
``isActive``). One collection serves both: the document id is the Firebase Auth uid, so the
seed's ``password_hash`` is not stored (Firebase Auth holds credentials).

Open (``extra="allow"``): the web client may add profile fields (``displayName``,
``photoURL``). Nothing unknown grants anything: ``role`` itself is an enum, so an invented
role fails validation; whether a client may write ``role`` at all is for the rules.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.models.base import OpenModel, UtcDatetime

USERS = "users"


class UserRole(StrEnum):
    """Both seeds' roles. ``admin`` sees everything in either application; ``user`` is a
    care-office staff member (seed 004); ``manager`` sees its clinic's sessions and
    ``counselor`` its own (seed 000)."""

    ADMIN = "admin"
    USER = "user"
    COUNSELOR = "counselor"
    MANAGER = "manager"


class User(OpenModel):
    """``users/{uid}``. ``clinicId`` is required in practice for counselors and managers
    (their sessions are scoped by it) but not enforced here: an account is created at first
    sign-in, before an admin assigns a clinic."""

    # A light check only: Firebase Auth has validated the address already.
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    # Required, no default: a document without a role is malformed, never "some" role.
    role: UserRole
    created_at: UtcDatetime | None = None
    last_login_at: UtcDatetime | None = None
    name: str | None = None
    clinic_id: str | None = None
    is_active: bool = True
    updated_at: UtcDatetime | None = None
