"""What cannot be undone asks first, on a page of its own that works without JavaScript: it
says what will happen and who gets mail, keeps the posted fields, and only the confirmed post
acts."""

from __future__ import annotations

from market.bids.models import Bid
from market.conduct.models import ConductVersion, SignatureDecision
from market.shortlists.models import MatchingSettings
from market.vendors.models import Vendor
from tests import factories, factories_bids
from tests import factories_conduct as fc

NO_UNDO = "Det kan ikke fortrydes."


def _asks(response, *texts: str, undo: str = NO_UNDO) -> None:
    assert response.status_code == 200, response.text[:300]
    assert undo in response.text and 'name="confirmed" value="yes"' in response.text
    for text in texts:
        assert text in response.text, text


async def test_withdrawing_a_bid_asks_first(client) -> None:
    scene = await factories_bids.scene()
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    await factories.login(client, scene.admin)
    url = f"/bids/{bid['id']}/withdraw"
    _asks(
        await factories.post_form(client, url, {}, csrf_page=f"/bids/{bid['id']}"),
        "Trække buddet tilbage?",
        "Der sendes ingen e-mail.",
    )
    assert (await Bid.get(id=bid["id"])).withdrawn_at is None
    done = await factories.post_form(
        client, url, {"confirmed": "yes"}, csrf_page=f"/bids/{bid['id']}"
    )
    assert done.status_code == 303
    assert (await Bid.get(id=bid["id"])).withdrawn_at is not None


async def test_suspending_keeps_the_reason_and_says_no_mail_goes_out(client) -> None:
    vendor, _admin = await fc.active_vendor()
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    url = f"/secretariat/vendors/{vendor.id}/suspend"
    page = "/secretariat/vendors"
    missing = await factories.post_form(client, url, {"reason": " "}, csrf_page=page)
    assert missing.status_code == 303  # refused at once: nothing to confirm
    reason = "Klage over <b>manglende</b> levering"
    asked = await factories.post_form(client, url, {"reason": reason}, csrf_page=page)
    # A suspension can be lifted: the page says how, not that it is final.
    _asks(
        asked,
        "Suspendere leverandøren?",
        "giv selv leverandøren besked",
        undo="I kan genindsætte leverandøren senere",
    )
    assert NO_UNDO not in asked.text
    assert 'value="Klage over &lt;b&gt;manglende&lt;/b&gt; levering"' in asked.text
    assert (await Vendor.get(id=vendor.id)).suspended_at is None
    await factories.post_form(client, url, {"reason": reason, "confirmed": "yes"}, csrf_page=page)
    suspended = await Vendor.get(id=vendor.id)
    assert suspended.suspended_at is not None and suspended.suspension_reason == reason


async def test_revoking_says_the_signer_gets_mail(client) -> None:
    vendor, _admin = await fc.active_vendor()
    signature = await SignatureDecision.filter(signature__vendor_id=vendor.id).first()
    assert signature is not None
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    url = f"/secretariat/conduct/signatures/{signature.signature_id}/revoke"
    page = "/secretariat/conduct"
    _asks(
        await factories.post_form(client, url, {"reason": "Brud"}, csrf_page=page),
        "Den person, der underskrev, får en e-mail med begrundelsen.",
    )
    assert await SignatureDecision.filter(signature_id=signature.signature_id).count() == 1
    await factories.post_form(client, url, {"reason": "Brud", "confirmed": "yes"}, csrf_page=page)
    assert await SignatureDecision.filter(signature_id=signature.signature_id).count() == 2


async def test_a_code_of_conduct_version_is_checked_then_confirmed(client) -> None:
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    url = "/secretariat/conduct/versions"
    form = {
        "version": "7",
        "title": "Adfærdskodeks 7",
        "text": "# Tekst",
        "effective_from": "2099-01-01",
        "grace_days": "",
    }
    wrong = await factories.post_form(client, url, form, csrf_page=url)
    assert wrong.status_code == 422 and NO_UNDO not in wrong.text
    form["grace_days"] = "30"
    _asks(
        await factories.post_form(client, url, form, csrf_page=url),
        "Offentliggøre version 7 af adfærdskodekset?",
        "påmindelser på e-mail",
    )
    assert not await ConductVersion.exists(label="7")
    done = await factories.post_form(client, url, {**form, "confirmed": "yes"}, csrf_page=url)
    assert done.status_code == 303 and await ConductVersion.exists(label="7")


async def test_resetting_the_weights_asks_first_in_english_too(client) -> None:
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    url = "/secretariat/matching"
    asked = await factories.post_form(client, url + "?lang=en", {"reset": "1"}, csrf_page=url)
    assert asked.status_code == 200 and "Reset the matching weights?" in asked.text
    assert "This cannot be undone." in asked.text and 'name="reset" value="1"' in asked.text
    count = await MatchingSettings.all().count()
    done = await factories.post_form(client, url, {"reset": "1", "confirmed": "yes"}, csrf_page=url)
    assert done.status_code == 303 and await MatchingSettings.all().count() >= count
