"""Every domain exception answers with the status and code the API contract documents."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import market
from market import errors
from market.errors import DomainError
from market.web import error_payload, kept_values

# ../shared/API.md, "Errors": one status and code per kind of failure; 405 and 500 are the
# router's and the server's own answers.
DOCUMENTED = {
    errors.BadRequest: (400, "bad_request"),
    errors.NotAuthenticated: (401, "not_authenticated"),
    errors.PermissionDenied: (403, "forbidden"),
    errors.NotFound: (404, "not_found"),
    errors.MethodNotAllowed: (405, "method_not_allowed"),
    errors.Conflict: (409, "conflict"),
    errors.PayloadTooLarge: (413, "payload_too_large"),
    errors.ValidationFailed: (422, "invalid"),
    errors.TooManyAttempts: (429, "too_many_attempts"),
    errors.ServerError: (500, "server_error"),
}


def _all_subclasses() -> list[type[DomainError]]:
    # Domains may define their own cases (vendors.services.EmailTaken): import every module.
    for module in pkgutil.walk_packages(market.__path__, "market."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    todo = list(DomainError.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


SUBCLASSES = _all_subclasses()


def test_the_contract_table_is_the_documented_one() -> None:
    assert errors.CONTRACT == DOCUMENTED


def test_named_exceptions_exist_for_the_cases_services_raise() -> None:
    names = {cls.__name__ for cls in SUBCLASSES}
    assert {
        "BiddingClosed",
        "NotEligible",
        "DeadlineMovedEarlier",
        "QuestionDeadlinePassed",
        "AlreadyAwarded",
        "SealedUntilDeadline",
    } <= names
    assert len(SUBCLASSES) > 2 * len(DOCUMENTED)


@pytest.mark.parametrize("cls", SUBCLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_domain_error_maps_to_its_documented_status_and_code(
    cls: type[DomainError],
) -> None:
    generic = next(c for c in cls.__mro__ if c in DOCUMENTED)
    assert (cls.status, cls.code) == DOCUMENTED[generic]
    exc = cls("Something is wrong.", {"field": "What is wrong."})
    assert error_payload(exc) == {
        "error": DOCUMENTED[generic][1],
        "message": "Something is wrong.",
        "fields": {"field": "What is wrong."},
    }
    # Not signed in, not allowed, not found: the error page answers, not the form again.
    page_only = generic in (
        errors.NotAuthenticated,
        errors.PermissionDenied,
        errors.NotFound,
        errors.MethodNotAllowed,
        errors.ServerError,
    )
    assert cls.on_form is (not page_only or cls is errors.NotEligible)


def test_a_named_exception_cannot_change_its_answer() -> None:
    with pytest.raises(TypeError):

        class Closed(errors.Conflict):  # pragma: no cover - refused at definition
            status = 422


def test_passwords_are_never_sent_back() -> None:
    sent = {"name": "Ada", "password": "x", "password_repeat": "x", "new_password": "y"}
    assert kept_values({**sent, "current_password": "z", "csrf_token": "t"}) == {"name": "Ada"}
