"""The walking skeleton: health, pages in both languages, errors in both shapes, jobs, mail."""

from __future__ import annotations

from market.mail.models import MailStatus, OutboxMessage
from market.mail.services import queue_mail
from tests import factories


async def test_healthz_reports_database_and_job_mode(client, settings):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["jobs"] == ("redis" if settings.redis_url else "inline")


async def test_home_is_danish_by_default_and_english_is_remembered(client):
    page = await client.get("/")
    assert page.status_code == 200
    assert '<html lang="da">' in page.text
    assert 'rel="stylesheet" href="/static/vendor/dkfds/css/dkfds.min.css?v=' in page.text
    english = await client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    again = await client.get("/")
    assert '<html lang="en">' in again.text, "the language choice is remembered"
    await client.get("/?lang=da")


async def test_unknown_page_is_html_404_and_unknown_api_is_json_404(client):
    page = await client.get("/no/such/page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = await client.get("/api/v1/no/such/thing")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found" and api.json()["message"]


async def test_security_headers_on_every_page(client):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


async def test_mail_goes_through_the_outbox_once(client, run_jobs):
    for _ in range(2):  # the same idempotency key twice gives one message
        await queue_mail(
            to="someone@example.dk",
            template="accounts/password_reset",
            key="test:mail:1",
            language="en",
            user=type("U", (), {"name": "Ann", "email": "a@x"})(),
            link="http://x",
        )
    await run_jobs()
    messages = await OutboxMessage.filter(idempotency_key="test:mail:1")
    assert len(messages) == 1
    assert messages[0].status == MailStatus.KEPT
    assert messages[0].subject == "Reset your password"
    await factories.login(client, await factories.user("secretariat"))
    page = await client.get(f"/dev/outbox/{messages[0].id}")
    assert "Reset your password" in page.text
