"""The page a form without a valid CSRF token gets is in the reader's language."""

from __future__ import annotations


async def test_an_expired_form_is_explained_in_danish_and_in_english(client) -> None:
    await client.get("/")  # a CSRF cookie, but no token in the form
    danish = await client.post("/language", data={"language": "en"})
    assert danish.status_code == 403
    assert "Formularen var udløbet eller kom ikke fra dette websted." in danish.text
    await client.get("/?lang=en")
    english = await client.post("/language", data={"language": "da"})
    assert english.status_code == 403
    assert "The form had expired or did not come from this site." in english.text
