"""Organisations, users, sessions, API tokens and the login record."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from market.i18n import lazy_gettext as _l
from market.i18n import register_labels

ROLES = ("vendor_admin", "vendor_member", "municipality", "coordinator", "secretariat")
register_labels(
    {
        "vendor_admin": _l("Vendor administrator"),
        "vendor_member": _l("Vendor member"),
        "municipality": _l("Municipality"),
        "coordinator": _l("Coordinator"),
        "secretariat": _l("Secretariat"),
    }
)
STAFF_ROLES = ("municipality", "coordinator", "secretariat")
VENDOR_ROLES = ("vendor_admin", "vendor_member")


class OrganisationKind:
    MUNICIPALITY = "municipality"
    MEMBER = "member"
    SECRETARIAT = "secretariat"
    VENDOR = "vendor"
    ALL = (MUNICIPALITY, MEMBER, SECRETARIAT, VENDOR)


class Organisation(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=20, db_index=True)
    name = fields.CharField(max_length=200)
    short_name = fields.CharField(max_length=100, default="")
    code = fields.CharField(max_length=10, null=True, unique=True)
    region = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organisation"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(Model):
    id = fields.IntField(primary_key=True)
    # Stored lower-cased: the unique index makes e-mail case-insensitive.
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=255, default="")
    language = fields.CharField(max_length=2, default="da")
    is_active = fields.BooleanField(default=True)
    roles: list[str] = fields.JSONField(default=list)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "market.Organisation", related_name="users", on_delete=fields.RESTRICT
    )
    organisation_id: int
    password_changed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user"
        ordering = ["email"]

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    @property
    def is_vendor(self) -> bool:
        return self.has_role(*VENDOR_ROLES)


class Session(Model):
    # A server-side login session: the cookie holds a signed random key, we keep its hash.
    # (No docstrings on models: Tortoise turns them into table comments, and a ";" in one
    # breaks the SQLite migration.)

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    address = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=300, default="")
    active_role = fields.CharField(max_length=20, default="")

    class Meta:
        table = "session"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    name = fields.CharField(max_length=100, default="")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
        ordering = ["-created_at"]


class PasswordReset(Model):
    # The link's secret is derived from SECRET_KEY and `salt` (see security.secrets.derived):
    # the database and the outbox never hold it, only its hash and a placeholder.
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    salt = fields.CharField(max_length=64, default="")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="password_resets", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_reset"


class LoginFailure(Model):
    # One failed login, kept to throttle by account and by address.

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "login_failure"


class Throttle(Model):
    # One attempt counter per key ("login:<e-mail>", "reset-address:<address>", ...) and fixed
    # window. A single conditional UPDATE admits an attempt, so parallel attempts cannot all
    # pass the limit (see accounts.throttle).

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=320, unique=True)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "throttle"
