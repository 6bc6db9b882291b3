"""argon2id password hashing (off the event loop) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.concurrency import run_in_threadpool

from market.i18n import lazy_gettext as _l

# Tests use a cheap profile; everything else the library's recommended one.
_PROFILES = {
    "default": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_profile = "default"

MIN_LENGTH = 12
MAX_LENGTH = 1024  # the whole is hashed; the strength check reads the first 72 characters


def configure(profile: str) -> None:
    global _profile
    _profile = profile if profile in _PROFILES else "default"


def _hasher() -> PasswordHasher:
    return _PROFILES[_profile]


async def hash_password(password: str) -> str:
    return await run_in_threadpool(_hasher().hash, password)


# A hash to verify against when the account is unknown, made with the very parameters of
# the profile in use: an unknown account then costs what a wrong password does.
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    if _profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[_profile] = _hasher().hash("not-a-password")
    return _DUMMY_HASHES[_profile]


async def verify_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Return (ok, new_hash): new_hash is set when the hash should be upgraded."""

    def _verify() -> tuple[bool, str | None]:
        hasher = _hasher()
        try:
            hasher.verify(stored_hash or _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if not stored_hash:
            return False, None
        if hasher.check_needs_rehash(stored_hash):
            return True, hasher.hash(password)
        return True, None

    return await run_in_threadpool(_verify)


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Return a human sentence saying what is wrong with the password, or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("The password must be at least 12 characters long."))
    if len(password) > MAX_LENGTH:
        return str(_l("The password must be at most 1,024 characters long."))
    lowered = password.lower()
    local = email.lower().split("@")[0]
    if email and (lowered == email.lower() or (len(local) >= 4 and local in lowered)):
        return str(_l("The password must not contain your e-mail address."))
    # Loaded on the first password checked: 24 MB of dictionaries most processes never use.
    from zxcvbn import zxcvbn  # noqa: PLC0415

    # zxcvbn refuses more than 72 characters (a ValueError); what follows only adds strength.
    result = zxcvbn(password[:72], user_inputs=[email, name, "partner", "market", "os2"])
    if result["score"] < 3:
        return str(
            _l(
                "The password is too easy to guess (a common password or pattern). "
                "Use a longer phrase of unrelated words."
            )
        )
    return None
