"""Every answer carries the security headers (500s too); private pages are never cached."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient
from starlette.routing import Route

from market.app import create_app
from tests import factories, factories_bids

HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


async def test_a_server_error_carries_the_security_headers(settings):
    app = create_app(settings, run_periodic=False, manage_orm=False)

    async def boom(request):
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/test-boom", boom))
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        for path in ("/test-boom", "/"):
            answer = await http.get(path)
            assert answer.status_code == (500 if path == "/test-boom" else 200)
            for name in HEADERS:
                assert name in answer.headers, (path, answer.status_code, name)


async def test_private_pages_and_the_bid_api_are_never_cached(client):
    scene = await factories_bids.scene()
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    api = await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    await factories.login(client, scene.admin)
    for path in (f"/bids/{bid['id']}", f"/bids/{bid['id']}/receipts/1", "/account", "/my-bids"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers.get("cache-control") == "no-store", path
    factories_bids.pass_deadline(scene.task)
    await factories.login(client, scene.coordinator)
    evaluation = await client.get(f"/tasks/{scene.task.id}/evaluation")
    assert evaluation.headers.get("cache-control") == "no-store"
