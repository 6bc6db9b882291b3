"""Demo solutions with coordinators, wishes supported by several municipalities and a release."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.accounts.services import find_municipality, get_user_by_email
from market.solutions import services
from market.solutions.models import Release, Solution, Wish, WishComment, WishStatus, WishSupport
from market.solutions.schemas import ReleasePlan, WishCreate, WishStatusIn

COORDINATOR = "koordinator@demo.os2.dk"
MUNICIPALITY_USER = "kommune@demo.os2.dk"

# solution, title, description, priority, status, supporters (municipality, pledge)
WISHES = [
    (
        "OS2kitos",
        "Eksport af kontraktoversigten til Excel",
        "Økonomiafdelingerne vil have kontraktoversigten med filtre ud i Excel til budgetarbejdet.",
        "high",
        WishStatus.ACCEPTED,
        [("Aarhus", 25000), ("Odense", 0), ("Vejle", 15000)],
    ),
    (
        "OS2kitos",
        "Påmindelse 90 dage før en kontrakt udløber",
        "Systemejeren får en e-mail i god tid, så genudbud kan nå at blive planlagt.",
        "high",
        WishStatus.NEW,
        [("Aalborg", 10000), ("Silkeborg", 0)],
    ),
    (
        "OS2kitos",
        "Registrering af AI-systemer efter AI-forordningen",
        "Markér systemer der anvender kunstig intelligens og deres risikoklasse.",
        "medium",
        WishStatus.NEW,
        [("Aarhus", 0), ("Herning", 20000), ("Randers", 0), ("Odense", 30000)],
    ),
    (
        "OS2kitos",
        "Mørkt tema",
        "Et mørkt farvetema til brugerfladen.",
        "low",
        WishStatus.REJECTED,
        [],
    ),
    (
        "OS2forms",
        "Genbrug af adresseopslag fra DAWA i alle formularer",
        "Ét fælles adressefelt med opslag i Danmarks Adressers Web API.",
        "medium",
        WishStatus.ACCEPTED,
        [("Aarhus", 40000), ("Horsens", 0)],
    ),
    (
        "OS2forms",
        "Digital signatur med MitID Erhverv",
        "Borgere og virksomheder skal kunne underskrive en ansøgning digitalt.",
        "high",
        WishStatus.NEW,
        [("Vejle", 0), ("Kolding", 35000), ("Esbjerg", 0)],
    ),
]
PLANNED = ("Eksport af kontraktoversigten til Excel", "Påmindelse 90 dage før en kontrakt udløber")


async def load() -> list[str]:
    await services.seed_solutions()
    coordinator = await get_user_by_email(COORDINATOR)
    author = await get_user_by_email(MUNICIPALITY_USER)
    if coordinator is None or author is None:
        return []
    kitos = await Solution.get(name="OS2kitos")
    forms = await Solution.get(name="OS2forms")
    if await Wish.filter(solution=kitos, title=WISHES[0][1]).exists():
        return ["solutions: demo wishes already present"]
    for solution in (kitos, forms):
        await services.add_coordinator(solution, coordinator, actor=None)
    by_name = {"OS2kitos": kitos, "OS2forms": forms}
    for name, title, description, priority, status, supporters in WISHES:
        wish = await services.create_wish(
            WishCreate(
                solution_id=by_name[name].id,
                title=title,
                description=description,
                priority=priority,
            ),
            actor=author,
        )
        for municipality, pledge in supporters:
            org = await find_municipality(municipality)
            if org is not None and org.id != author.organisation_id:
                await WishSupport.create(wish=wish, organisation=org, pledge_dkk=pledge)
        if status != WishStatus.NEW:
            reason = "Uden for løsningens formål" if status == WishStatus.REJECTED else ""
            await services.set_wish_status(
                wish.id, WishStatusIn(status=status, reason=reason), actor=coordinator
            )
    first = await Wish.get(solution=kitos, title=WISHES[0][1])
    await WishComment.create(
        wish=first, author=coordinator, text="Vi tager den med i næste release."
    )
    release = await Release.create(
        solution=kitos,
        name=f"{clock.today().year + 1}.1",
        target_date=clock.today() + dt.timedelta(days=120),
        created_by_id=coordinator.id,
    )
    planned = [w.id for w in await Wish.filter(solution=kitos, title__in=PLANNED)]
    await services.plan_wishes(release.id, ReleasePlan(wish_ids=planned), actor=coordinator)
    return [
        f"solutions: {COORDINATOR} coordinates OS2kitos and OS2forms; "
        f"{len(WISHES)} wishes, release {release.name}"
    ]
