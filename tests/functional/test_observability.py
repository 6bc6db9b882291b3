"""Request ids, structured log lines and /metrics, as an operator sees them."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from httpx import ASGITransport, AsyncClient
from starlette.routing import Route

from market import jobs, logs
from market.app import create_app
from market.settings import Settings
from tests import factories


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in metric for key, val in labels.items()):
            return float(value)
    return 0.0


async def test_every_answer_names_its_request_id_and_keeps_a_valid_one(client) -> None:
    first = await client.get("/tasks")
    second = await client.get("/tasks")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    kept = await client.get("/healthz", headers={"X-Request-ID": "lb-4f2a9c1e77"})
    assert kept.headers["x-request-id"] == "lb-4f2a9c1e77"
    forged = await client.get("/healthz", headers={"X-Request-ID": "<script>\r\n"})
    assert forged.headers["x-request-id"] != "<script>\r\n"


async def test_log_lines_carry_request_id_user_and_role_but_no_path_or_address(
    client, caplog
) -> None:
    user = await factories.user("secretariat")
    await factories.login(client, user)
    formatter = logs.JSONFormatter()
    context = logs.ContextFilter()
    with caplog.at_level(logging.INFO, logger="market.access"):
        answer = await client.get("/password/reset/some-one-time-secret")
    records = [r for r in caplog.records if r.name == "market.access"]
    assert records
    record = records[-1]
    context.filter(record)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == answer.headers["x-request-id"]
    assert line["route"] == "accounts.reset"
    assert line["status"] == answer.status_code
    assert line["user_id"] == user.id
    assert line["role"] == "secretariat"
    assert "one-time-secret" not in json.dumps(line)
    assert "127.0.0.1" not in json.dumps(line)
    assert user.email not in json.dumps(line)


def test_development_lines_are_readable_and_production_lines_are_json() -> None:
    dev = logs.log_config(Settings(environment="development"))
    prod = logs.log_config(Settings(environment="production"))
    assert dev["handlers"]["default"]["formatter"] == "dev"
    assert prod["handlers"]["default"]["formatter"] == "json"
    logs.bind(request_id="abc12345", job="send_mail", job_id="j1")
    record = logging.LogRecord("market.mail", logging.ERROR, __file__, 1, "failed %s", (3,), None)
    logs.ContextFilter().filter(record)
    text = logs.DevFormatter("%(levelname)s %(name)s%(ids)s: %(message)s").format(record)
    assert text == "ERROR market.mail [request_id=abc12345 job=send_mail job_id=j1]: failed 3"
    logs.bind()


async def test_metrics_are_for_the_secretariat_only(client) -> None:
    anonymous = await client.get("/metrics")
    assert anonymous.status_code == 303
    vendor = await factories.user("vendor_admin")
    await factories.login(client, vendor)
    assert (await client.get("/metrics")).status_code == 403
    client.cookies.clear()
    secretariat = await factories.user("secretariat")
    headers = await factories.bearer(client, secretariat)
    scraped = await client.get("/metrics", headers=headers)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert "market_http_requests_total" in scraped.text
    assert "market_outbox_backlog" in scraped.text


async def test_an_address_named_in_the_setting_reads_metrics_without_an_account(
    settings: Settings, runner: Any
) -> None:
    allowed = dataclasses.replace(settings, metrics_allowed_addresses=("10.0.0.0/8",))
    app = create_app(allowed, run_periodic=False, manage_orm=False)
    inside = AsyncClient(
        transport=ASGITransport(app=app, client=("10.1.2.3", 1)), base_url="http://t"
    )
    outside = AsyncClient(
        transport=ASGITransport(app=app, client=("192.0.2.9", 1)), base_url="http://t"
    )
    async with inside, outside:
        assert (await outside.get("/metrics")).status_code == 303
        assert (await inside.get("/metrics")).status_code == 200


async def test_metrics_count_requests_by_route_and_jobs_by_name(client, run_jobs) -> None:
    secretariat = await factories.user("secretariat")
    headers = await factories.bearer(client, secretariat)
    before = (await client.get("/metrics", headers=headers)).text
    for _ in range(3):
        await client.get("/tasks")
    await client.get("/no/such/page")
    await jobs.enqueue("sweep_outbox")
    await run_jobs()
    after = (await client.get("/metrics", headers=headers)).text

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("market_http_requests_total", route="tasks.list", status="200") == 3
    assert grew("market_http_requests_total", route="unmatched", status="404") == 1
    assert grew("market_http_request_duration_seconds_count", route="tasks.list") == 3
    assert grew("market_job_runs_total", job="sweep_outbox") == 1
    assert grew("market_job_duration_seconds_count", job="sweep_outbox") == 1
    assert "/no/such/page" not in after


def test_e_mail_addresses_never_reach_a_log_line() -> None:
    record = logging.LogRecord(
        "market.mail",
        logging.WARNING,
        __file__,
        1,
        "mail %s failed: %s",
        (7, "550 <anne@kommune.dk> unknown"),
        None,
    )
    logs.ContextFilter().filter(record)
    line = json.loads(logs.JSONFormatter().format(record))
    assert line["message"] == "mail 7 failed: 550 <[e-mail]> unknown"


async def test_a_server_error_names_its_request_id_on_the_page_and_in_the_log(
    settings: Settings, caplog
) -> None:
    app = create_app(settings, run_periodic=False, manage_orm=False)

    async def boom(request):
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/test-boom/{secret}", boom, name="test.boom"))
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        with caplog.at_level(logging.ERROR, logger="market.app"):
            answer = await http.get("/test-boom/one-time-token", headers={"Accept-Language": "da"})
    assert answer.status_code == 500
    reference = answer.headers["x-request-id"]
    assert reference in answer.text  # the visitor can quote it
    [record] = [r for r in caplog.records if r.name == "market.app"]
    logs.ContextFilter().filter(record)
    assert record.request_id == reference
    assert "one-time-token" not in record.getMessage() and "test.boom" in record.getMessage()
