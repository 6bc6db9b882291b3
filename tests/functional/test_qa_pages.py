"""A new user's pass through the pages: words a Danish reader would otherwise see in English."""

from __future__ import annotations

from tests import factories
from tests import factories_competencies as fc


async def test_working_languages_are_named_in_the_page_language(client) -> None:
    await fc.taxonomy()
    _vendor, admin = await fc.vendor()
    await factories.login(client, admin)
    danish = (await client.get("/vendor/profile")).text
    assert '<label class="form-label" for="language-en">Engelsk</label>' in danish
    english = (await client.get("/vendor/profile?lang=en")).text
    assert '<label class="form-label" for="language-en">English</label>' in english
    assert '<label class="form-label" for="language-da">Danish</label>' in english
