"""The public pages the law asks for: accessibility statement, cookie notice, security.txt,
robots.txt; and the cookie notice names every cookie the site really sets."""

from __future__ import annotations

import datetime as dt
import re

from market import clock
from tests import factories


async def test_statement_follows_the_agencys_template_in_both_languages(client) -> None:
    danish = await client.get("/tilgaengelighed")
    assert danish.status_code == 200
    for field in (
        "Overensstemmelsesstatus",
        "Ikke-tilgængeligt indhold",
        "Feedback og kontaktoplysninger",
        "Håndhævelsesprocedure",
        "Digitaliseringsstyrelsen",
        "mailto:",
    ):
        assert field in danish.text, field
    english = await client.get("/tilgaengelighed?lang=en")
    assert "Compliance status" in english.text and "Enforcement procedure" in english.text


async def test_every_page_links_the_statement_and_the_cookie_notice(client) -> None:
    home = await client.get("/")
    assert 'href="/tilgaengelighed"' in home.text
    assert 'href="/cookies"' in home.text
    assert 'href="/privatliv"' in home.text


async def test_the_cookie_notice_lists_exactly_the_cookies_the_site_sets(client) -> None:
    seen: set[str] = set()

    def collect(response) -> None:
        for header in response.headers.get_list("set-cookie"):
            seen.add(header.split("=", 1)[0])

    collect(await client.get("/"))
    collect(await client.get("/?lang=en"))
    user = await factories.user("municipality")
    collect(await factories.login(client, user))
    collect(await client.get("/account"))
    notice = await client.get("/cookies")
    listed = set(re.findall(r"<code>([a-z_]+)</code>", notice.text))
    assert len(listed) == 4
    assert seen <= listed, seen - listed


async def test_security_txt_follows_rfc_9116(client) -> None:
    answer = await client.get("/.well-known/security.txt")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in answer.text.strip().splitlines())
    assert fields["Contact"].startswith(("mailto:", "https://"))
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert clock.now() < expires < clock.now() + dt.timedelta(days=365)
    assert fields["Canonical"].endswith("/.well-known/security.txt")


async def test_robots_txt_keeps_crawlers_off_accounts_and_desks(client) -> None:
    answer = await client.get("/robots.txt")
    assert answer.status_code == 200
    lines = answer.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /secretariat/" in lines and "Disallow: /account" in lines
    assert "Disallow: /tasks" not in lines
