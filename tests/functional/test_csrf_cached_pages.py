"""A copied anonymous page still protects its POST forms: each new visitor gets a token of
its own with a signed cookie, and only that pair passes; cookies signed before the signing was
made cheaper (itsdangerous's own format) keep working."""

from __future__ import annotations

from itsdangerous import URLSafeSerializer

from market import listcache
from market.security.csrf import COOKIE
from market.security.signing import Signed
from tests.factories import csrf_from


async def test_each_visitor_of_a_copied_page_gets_a_working_token_of_its_own(client) -> None:
    listcache.clear()
    first = await client.get("/tasks")
    assert first.status_code == 200
    first_token = csrf_from(first.text)
    assert len(listcache._copies) == 1  # the page is now answered from the copy

    client.cookies.clear()  # a new visitor
    second = await client.get("/tasks")
    second_token = csrf_from(second.text)
    assert COOKIE in second.cookies
    assert second_token != first_token
    assert second.text.replace(second_token, "") == first.text.replace(first_token, "")
    assert len(listcache._copies) == 1

    # The language switch in the page's header is a POST form.
    assert (await client.post("/language", data={"language": "en"})).status_code == 403
    stolen = await client.post("/language", data={"language": "en", "csrf_token": first_token})
    assert stolen.status_code == 403
    own = await client.post("/language", data={"language": "en", "csrf_token": second_token})
    assert own.status_code == 303


async def test_a_cookie_signed_by_itsdangerous_still_works_and_a_forged_one_does_not(
    client, app
) -> None:
    secret = str(app.state.settings.secret_key)
    token = "an-earlier-visitors-token"
    old = URLSafeSerializer(secret, salt="csrf").dumps(token)
    assert Signed(secret, "csrf").dumps(token) == old  # the same bytes as before
    client.cookies.set(COOKIE, old)
    page = await client.get("/tasks")
    assert csrf_from(page.text) == token
    answer = await client.post("/language", data={"language": "en", "csrf_token": token})
    assert answer.status_code == 303

    client.cookies.clear()
    forged = Signed("another key", "csrf").dumps(token)
    client.cookies.set(COOKIE, forged)
    answer = await client.post("/language", data={"language": "en", "csrf_token": token})
    assert answer.status_code == 403
