"""Domain exceptions: services raise them, views and the API turn them into answers.

The API contract knows eight answers to a failure, one per generic class below;
the class decides the status and the code, and nothing else does: `market.web.error_response`
answers an uncaught one (JSON for the API, the error page for a page) and
`market.web.form_failure` shows a form again with the error beside its fields. A named
exception (`BiddingClosed`, `NotEligible`, ...) says what happened and inherits its answer from
its generic class; it cannot change the status or the code (see `__init_subclass__`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status = 400
    code = "bad_request"
    # A form that caused this error is shown again with it (True); False: the error is not
    # about what was typed (not signed in, not allowed, no such thing), so the error page answers.
    on_form: ClassVar[bool] = True

    def __init__(self, message: Any = "", fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if DomainError not in cls.__bases__:  # a named case keeps its generic class's answer
            generic = next(
                c
                for c in cls.__mro__[1:]
                if issubclass(c, DomainError) and DomainError in c.__bases__
            )
            if (cls.status, cls.code) != (generic.status, generic.code):
                raise TypeError(f"{cls.__name__} may not change the status or code of {generic}")


# --- the contract's answers: status and code -------------------------------------------------


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    on_form = False


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    on_form = False


class NotFound(DomainError):
    status = 404
    code = "not_found"
    on_form = False


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(DomainError):
    """One or more fields are wrong; `fields` names each with what is wrong."""

    status = 422
    code = "invalid"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


class MethodNotAllowed(DomainError):
    """Not a domain's: the router's answer to a method no route at the path takes."""

    status = 405
    code = "method_not_allowed"
    on_form = False


class ServerError(DomainError):
    """Not a domain's: what an unhandled exception answers (it is logged)."""

    status = 500
    code = "server_error"
    on_form = False


# The documented pairs, for tests and for answers made outside a domain (405, 500).
CONTRACT: dict[type[DomainError], tuple[int, str]] = {
    cls: (cls.status, cls.code)
    for cls in (
        BadRequest,
        NotAuthenticated,
        PermissionDenied,
        NotFound,
        Conflict,
        PayloadTooLarge,
        ValidationFailed,
        TooManyAttempts,
        MethodNotAllowed,
        ServerError,
    )
}


# --- what happened: 403 -------------------------------------------------------------------------


class NotEligible(PermissionDenied):
    """The vendor may not bid or ask on this task now (conduct standing, capacity)."""

    on_form = True  # the bid form says why; the task was readable all along


class NotCoordinator(PermissionDenied):
    """Only the coordinators of the solution (or the secretariat) may do this."""


class NotEvaluator(PermissionDenied):
    """Only the evaluators of the task may do this."""


class NotVendorAdmin(PermissionDenied):
    """Only an administrator (or a user) of the vendor may act for it."""


class ReadingBlocked(PermissionDenied):
    """The bids may not be read yet by this user (no declaration, a declared conflict)."""


# --- what happened: 409 -------------------------------------------------------------------------


class BiddingClosed(Conflict):
    """The bid deadline has passed: nothing is saved."""


class AlreadyBid(Conflict):
    """The vendor has a live bid on the task: revise it instead."""


class BidWithdrawn(Conflict):
    """The bid is withdrawn: it cannot be revised or withdrawn again."""


class NotAwardable(Conflict):
    """That bid cannot be awarded (withdrawn, or a draft never submitted)."""


class ChangedMeanwhile(Conflict):
    """Someone else changed the row between reading and writing: reload and try again."""


class SealedUntilDeadline(Conflict):
    """The bids are sealed (and no award is possible) until the bid deadline."""


class AlreadyAwarded(Conflict):
    """The task is awarded: scores and award are final."""


class NotAwardedYet(Conflict):
    """The delivery can only be recorded after the award."""


class DeadlinePassed(Conflict):
    """A deadline has passed (publishing a task whose bid deadline is over)."""


class QuestionDeadlinePassed(Conflict):
    """Questions on the task are closed."""


class DeadlineMovedEarlier(Conflict):
    """A published task's deadlines can only move later."""


class WrongStatus(Conflict):
    """The object's status does not allow this step (a task, wish, signature, vendor)."""


class AlreadyExists(Conflict):
    """A unique name, code, label or address is taken."""


class AlreadyDone(Conflict):
    """The one-time step is done already (signed, declared, decided, asked, recorded, queued)."""


class OwnRequest(Conflict):
    """A secretariat member may not decide a request about their own account."""
