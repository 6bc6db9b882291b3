"""Evaluators declare conflicts by ticking the bidding companies' names (nothing preselected),
and coordinators invite companies by name: nobody types internal vendor numbers."""

from __future__ import annotations

from market.bids.models import ConflictDeclaration
from market.tasks.models import Invitation
from tests import factories, factories_bids

MARKER = "Hemmelig tilgang 7781"


async def test_the_declaration_lists_the_bidders_by_name_and_asks_for_a_choice(client) -> None:
    scene = await factories_bids.scene()
    await factories_bids.place_bid(client, scene.admin, scene.task, approach=MARKER)
    await factories_bids.place_bid(client, scene.other_admin, scene.task)
    await factories.login(client, scene.coordinator)
    url = f"/tasks/{scene.task.id}"
    page = (await client.get(f"{url}/evaluation")).text
    assert scene.vendor.name in page and scene.other_vendor.name in page
    assert MARKER not in page  # names only: the bids stay sealed
    assert f'name="conflict_vendor_id" value="{scene.vendor.id}"' in page
    assert "checked" not in page.split('action="/tasks/')[1].split("</form>")[0]
    assert "vendor numbers" not in page and "leverandørnumre" not in page

    nothing = await factories.post_form(
        client, f"{url}/declaration", {}, csrf_page=f"{url}/evaluation"
    )
    assert nothing.status_code == 422 and "Vælg, om du har en interessekonflikt." in nothing.text
    unticked = await factories.post_form(
        client, f"{url}/declaration", {"declaration": "conflict"}, csrf_page=f"{url}/evaluation"
    )
    assert unticked.status_code == 422
    assert "Sæt kryds ved de virksomheder" in unticked.text
    assert "no_conflict" not in unticked.text
    done = await factories.post_form(
        client,
        f"{url}/declaration",
        {"declaration": "conflict", "conflict_vendor_id": str(scene.other_vendor.id)},
        csrf_page=f"{url}/evaluation",
    )
    assert done.status_code == 303
    declaration = await ConflictDeclaration.get(task_id=scene.task.id)
    assert not declaration.no_conflict
    assert declaration.conflict_vendor_ids == [scene.other_vendor.id]


async def test_a_coordinator_invites_a_company_by_its_name(client, run_jobs) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.coordinator)
    url = f"/tasks/{scene.task.id}"
    page = (await client.get(url)).text
    assert 'list="vendor-names"' in page and f'<option value="{scene.vendor.name}">' in page
    unknown = await factories.post_form(
        client, f"{url}/invitations", {"vendor_name": "Findes Ikke ApS"}, csrf_page=url
    )
    assert unknown.status_code == 422
    assert "Ingen virksomhed hedder Findes Ikke ApS" in unknown.text
    assert 'value="Findes Ikke ApS"' in unknown.text  # what was typed is kept
    typed = "  " + scene.vendor.name.upper() + " "
    invited = await factories.post_form(
        client, f"{url}/invitations", {"vendor_name": typed}, csrf_page=url
    )
    assert invited.status_code == 303, invited.text[:300]
    assert await Invitation.exists(task_id=scene.task.id, vendor_id=scene.vendor.id)
