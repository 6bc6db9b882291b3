"""Accounts and security: sign-in, CSRF, throttling, reset, tokens, audit, secrets at rest."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from tortoise import connections

from market import clock
from market.accounts.models import ApiToken, PasswordReset, User
from market.audit.models import AuditEvent, AuditImmutable
from market.mail.models import OutboxMessage
from market.mail.services import expand_secrets
from tests import factories


async def test_login_starts_a_new_session_and_logout_ends_it(client):
    account = await factories.user("coordinator")
    await client.get("/login")
    before = client.cookies.get("pm_session")
    await factories.login(client, account)
    assert client.cookies.get("pm_session") not in (None, before)
    page = await client.get("/account")
    assert account.email in page.text
    await factories.post_form(client, "/logout", {}, csrf_page="/account")
    assert (await client.get("/account")).status_code == 303
    assert await AuditEvent.filter(action="logout", actor_id=account.id).exists()


async def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(client):
    account = await factories.user("municipality")
    await factories.login(client, account)
    tokens_before = await ApiToken.filter(user_id=account.id).count()
    missing = await client.post("/account/tokens", data={"name": "x"})
    forged = await client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert missing.status_code == 403 and forged.status_code == 403
    assert await ApiToken.filter(user_id=account.id).count() == tokens_before
    # the login form itself is protected too
    client.cookies.clear()
    fresh = await client.post("/login", data={"email": account.email, "password": "x"})
    assert fresh.status_code == 403


async def test_the_sixth_wrong_password_is_refused_even_when_right(client):
    account = await factories.user("municipality")
    for _ in range(5):
        wrong = await factories.post_form(
            client, "/login", {"email": account.email, "password": "wrong-password-1"}
        )
        assert wrong.status_code == 400
        assert "forkert" in wrong.text  # Danish by default; says nothing about the account
    right = await factories.post_form(
        client, "/login", {"email": account.email, "password": factories.PASSWORD}
    )
    assert right.status_code == 429
    unknown = await client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.dk", "password": "whatever-123"}
    )
    assert unknown.status_code == 401, "an unknown account looks the same as a wrong password"
    api = await client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": factories.PASSWORD}
    )
    assert api.status_code == 429 and api.json()["error"] == "too_many_attempts"
    # After the cool-down the owner gets in.
    clock.shift(dt.timedelta(minutes=16))
    await factories.login(client, account)


async def test_a_password_reset_lets_the_owner_in_and_works_once(client, app, run_jobs):
    account = await factories.user("municipality")
    for _ in range(5):
        await factories.post_form(client, "/login", {"email": account.email, "password": "nope"})
    answer = await factories.post_form(client, "/password/forgot", {"email": account.email})
    assert answer.status_code == 303
    await run_jobs()
    mail = await OutboxMessage.filter(to_email=account.email).order_by("-id").first()
    assert mail is not None
    # The owner cannot sign in to read it in the outbox: what a mail server would deliver.
    delivered = await expand_secrets(app.state.settings, mail.body_text)
    link = re.search(r"/password/reset/([\w-]+)", delivered)
    assert link
    path = f"/password/reset/{link.group(1)}"
    new_password = "Brand-New-Garden-Chair-77"
    weak = await factories.post_form(
        client, path, {"password": "short", "password_repeat": "short"}
    )
    assert weak.status_code == 422 and "12" in weak.text
    done = await factories.post_form(
        client, path, {"password": new_password, "password_repeat": new_password}
    )
    assert done.status_code == 303
    await factories.login(client, account, password=new_password)
    again = await client.get(path)
    assert again.status_code == 404


async def test_api_tokens_are_issued_revoked_and_expire(client, settings):
    account = await factories.user("coordinator")
    headers = await factories.bearer(client, account)
    issued = await client.post(
        "/api/v1/auth/token", json={"email": account.email, "password": factories.PASSWORD}
    )
    assert issued.json()["expires_at"].endswith(("+01:00", "+02:00"))
    gone = await client.delete("/api/v1/auth/token", headers=headers)
    assert gone.status_code == 204
    assert (await client.delete("/api/v1/auth/token", headers=headers)).status_code == 401
    other = {"Authorization": f"Bearer {issued.json()['token']}"}
    clock.shift(dt.timedelta(days=settings.token_days, seconds=1))
    assert (await client.delete("/api/v1/auth/token", headers=other)).status_code == 401


async def test_a_user_sees_and_revokes_their_tokens_in_the_account_page(client):
    account = await factories.user("municipality")
    await factories.login(client, account)
    created = await factories.post_form(
        client, "/account/tokens", {"name": "Kitos-sync"}, csrf_page="/account"
    )
    secret = re.search(r'class="pm-token">([^<]+)<', created.text).group(1)
    token = await ApiToken.get(user_id=account.id, name="Kitos-sync")
    assert secret.startswith(token.prefix)
    await factories.post_form(
        client, f"/account/tokens/{token.id}/revoke", {}, csrf_page="/account"
    )
    page = await client.get("/account")
    assert "Tilbagekaldt" in page.text
    answer = await client.delete(
        "/api/v1/auth/token", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 401


async def test_sessions_time_out_when_idle_and_absolutely(client, settings):
    account = await factories.user("municipality")
    await factories.login(client, account)
    clock.shift(dt.timedelta(minutes=settings.session_idle_minutes + 1))
    assert (await client.get("/account")).status_code == 303
    clock.reset()
    await factories.login(client, account)
    for _ in range(settings.session_absolute_hours):
        clock.shift(dt.timedelta(minutes=59))
        await client.get("/account")
    clock.shift(dt.timedelta(hours=1))
    assert (await client.get("/account")).status_code == 303


async def test_logout_everywhere_ends_every_session(client, app):
    from httpx import ASGITransport, AsyncClient

    account = await factories.user("municipality")
    await factories.login(client, account)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as b:
        await factories.login(b, account)
        await factories.post_form(client, "/logout/everywhere", {}, csrf_page="/account")
        assert (await b.get("/account")).status_code == 303


async def test_audit_events_cannot_be_changed_or_deleted(client):
    account = await factories.user("municipality")
    await factories.login(client, account)
    event = await AuditEvent.filter(action="login.succeeded", actor_id=account.id).first()
    assert event is not None
    event.action = "edited"
    with pytest.raises(AuditImmutable):
        await event.save()
    with pytest.raises(AuditImmutable):
        await event.delete()


async def test_role_changes_are_audited_and_the_role_switcher_narrows_the_menu(client):
    from market.accounts.services import set_roles

    admin = await factories.user("secretariat")
    account = await factories.user("municipality")
    await set_roles(account, ["municipality", "secretariat"], actor=admin)
    event = await AuditEvent.get(action="user.roles_changed", object_id=str(account.id))
    assert event.before == {"roles": ["municipality"]}
    await factories.login(client, account)
    assert "/secretariat/audit" in (await client.get("/")).text
    await factories.post_form(
        client, "/account/role", {"role": "municipality", "next": "/"}, csrf_page="/"
    )
    assert "/secretariat/audit" not in (await client.get("/")).text


async def test_no_secret_is_stored_or_logged_in_clear(client, caplog, run_jobs):
    caplog.set_level(logging.DEBUG)
    account = await factories.user("municipality")
    headers = await factories.bearer(client, account)
    token = headers["Authorization"].split()[1]
    await factories.login(client, account)
    await factories.post_form(client, "/password/forgot", {"email": account.email})
    await run_jobs()
    mail = await OutboxMessage.filter(to_email=account.email).order_by("-id").first()
    shown = await client.get(f"/dev/outbox/{mail.id}")
    reset_secret = re.search(r"/password/reset/([\w-]+)", shown.text).group(1)
    assert "[[reset:" in mail.body_text
    session_cookie = client.cookies.get("pm_session")
    dump = []
    connection = connections.get("default")
    for table in (
        "user",
        "session",
        "api_token",
        "password_reset",
        "audit_event",
        "login_failure",
        "outbox_message",
    ):
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        dump.append(repr(rows))
    text = "\n".join(dump) + "\n" + caplog.text
    assert factories.PASSWORD not in text
    assert token not in text
    assert session_cookie.split(".")[0] not in text
    # the reset link lives only in the e-mail to the owner, never in the tables or the log
    assert reset_secret not in text
    stored = await User.get(id=account.id)
    assert stored.password_hash.startswith("$argon2id$")
    assert await PasswordReset.filter(user_id=account.id).exists()
