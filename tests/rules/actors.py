"""Who calls: every kind of caller the rules must tell apart.

Each actor is a token (or none) plus, where the scenario needs one, the ``users/{uid}``
document seeded for them. The scenarios are the ones that break apps of this kind: a
signed-in stranger, an unverified address, a foreign domain, a non-Google sign-in, a
deactivated admin, and the four real roles on both sides of the product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.rules.tokens import id_token_claims, unsigned_token

ALLOWED_DOMAINS = ["sakura-kaigo.jp", "hikari-clinic.jp"]
CLINIC = "clinic-shibuya"
OTHER_CLINIC = "clinic-umeda"
JOINED = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Actor:
    name: str
    uid: str | None
    email: str | None = None
    email_verified: bool = True
    provider: str = "google.com"
    profile: dict[str, Any] | None = None  # users/{uid} as seeded, if any

    def token(self, project: str) -> str | None:
        if self.uid is None or self.email is None:
            return None
        return unsigned_token(id_token_claims(
            project, self.uid, self.email,
            email_verified=self.email_verified, provider=self.provider))


def _profile(email: str, name: str, role: str, *, active: bool = True,
             clinic: str | None = None) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "email": email, "displayName": name, "role": role, "isActive": active,
        "createdAt": JOINED, "lastLoginAt": JOINED,
    }
    if clinic is not None:
        profile["clinicId"] = clinic
    return profile


ANONYMOUS = Actor("anonymous", None)
# Allowed domain, signed in, but no users document (not provisioned, or removed).
STRANGER = Actor("stranger", "u-stranger", "kobayashi.ren@sakura-kaigo.jp")
# An active staff profile, but the token's address is not verified.
UNVERIFIED = Actor(
    "unverified", "u-unverified", "morita.aoi@sakura-kaigo.jp", email_verified=False,
    profile=_profile("morita.aoi@sakura-kaigo.jp", "森田 葵", "user"))
# A personal Google account: provisioning refused it, so it has no profile.
WRONG_DOMAIN = Actor("wrong_domain", "u-gmail", "yamada.taro1985@gmail.com")
# An active staff profile reached through email/password instead of Google.
PASSWORD_SIGN_IN = Actor(
    "password_sign_in", "u-password", "ishii.kenta@sakura-kaigo.jp", provider="password",
    profile=_profile("ishii.kenta@sakura-kaigo.jp", "石井 健太", "user"))
# A deactivated admin: the strongest role, switched off.
INACTIVE = Actor(
    "inactive", "u-inactive", "nakamura.yui@sakura-kaigo.jp",
    profile=_profile("nakamura.yui@sakura-kaigo.jp", "中村 結衣", "admin", active=False))
USER = Actor(
    "user", "u-staff", "suzuki.hanako@sakura-kaigo.jp",
    profile=_profile("suzuki.hanako@sakura-kaigo.jp", "鈴木 花子", "user"))
COUNSELOR = Actor(
    "counselor", "u-counselor", "takahashi.mio@hikari-clinic.jp",
    profile=_profile("takahashi.mio@hikari-clinic.jp", "高橋 美緒", "counselor",
                     clinic=CLINIC))
OTHER_MANAGER = Actor(
    "other_manager", "u-manager-umeda", "inoue.daisuke@hikari-clinic.jp",
    profile=_profile("inoue.daisuke@hikari-clinic.jp", "井上 大輔", "manager",
                     clinic=OTHER_CLINIC))
MANAGER = Actor(
    "manager", "u-manager-shibuya", "watanabe.kyoko@hikari-clinic.jp",
    profile=_profile("watanabe.kyoko@hikari-clinic.jp", "渡辺 恭子", "manager",
                     clinic=CLINIC))
ADMIN = Actor(
    "admin", "u-admin", "kato.makoto@sakura-kaigo.jp",
    profile=_profile("kato.makoto@sakura-kaigo.jp", "加藤 誠", "admin"))

ACTORS: dict[str, Actor] = {a.name: a for a in (
    ANONYMOUS, STRANGER, UNVERIFIED, WRONG_DOMAIN, PASSWORD_SIGN_IN, INACTIVE,
    USER, COUNSELOR, OTHER_MANAGER, MANAGER, ADMIN,
)}
