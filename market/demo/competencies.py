"""Demo data: the taxonomy, and a realistic competency profile for each demo vendor.

`seed` runs first (before the vendors); `load` runs after the vendors' loader and gives the
vendors, in the order they were created, the profiles of the twelve archetypes below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from market import clock
from market.accounts.models import User
from market.competencies import services
from market.competencies.schemas import ProfileUpdate, ReferenceIn
from market.vendors.models import Vendor


@dataclass(frozen=True)
class Archetype:
    text_da: str
    text_en: str
    rate: int
    hours: int
    team: int
    languages: tuple[str, ...]
    competencies: tuple[str, ...]  # "code level"
    references: tuple[tuple[str, str, int, str, tuple[str, ...]], ...]


E, X, B = "expert", "experienced", "basic"

ARCHETYPES = [
    Archetype(
        "Lille udviklerhus i Aarhus med speciale i Drupal, OS2forms og OS2web. Vi bygger "
        "selvbetjeningsløsninger med MitID, Digital Post og integration til Serviceplatformen, "
        "og vi tester altid for tilgængelighed efter WCAG 2.1 AA.",
        "Small Aarhus studio specialised in Drupal, OS2forms and OS2web: self-service with "
        "MitID, Digital Post and Serviceplatformen integration, always tested against WCAG.",
        875,
        220,
        4,
        ("da", "en"),
        (
            f"72212000 {E}",
            f"72413000 {X}",
            f"tech:drupal {E}",
            f"tech:php {E}",
            f"os2:os2forms {E}",
            f"os2:os2web {E}",
            f"domain:self-service {E}",
            f"std:mitid-nemlogin {X}",
            f"std:digital-post {X}",
            f"std:wcag {X}",
        ),
        (
            (
                "Selvbetjeningsformularer til byggesager",
                "Syddjurs Kommune",
                2024,
                "Ti nye OS2forms-formularer med MitID-login og kvittering i Digital Post.",
                ("os2:os2forms", "std:digital-post"),
            ),
            (
                "Ny kommunal hjemmeside på OS2web",
                "Norddjurs Kommune",
                2023,
                "Migrering af 1.800 sider til OS2web med fokus på tilgængelighed.",
                ("os2:os2web", "std:wcag"),
            ),
        ),
    ),
    Archetype(
        "Nordlys Digital leverer identitets- og adgangsstyring til kommuner: OS2mo, "
        "OS2rollekatalog og OS2faktor, integreret med Active Directory, Entra ID og "
        "Fælleskommunal Organisation. Vi har drift- og supportaftaler med over 20 kommuner.",
        "Identity and access management for municipalities: OS2mo, OS2rollekatalog and "
        "OS2faktor, integrated with Active Directory, Entra ID and the joint Organisation service.",
        1150,
        900,
        35,
        ("da", "en"),
        (
            f"72000000 {E}",
            f"72222300 {E}",
            f"72253000 {X}",
            f"os2:os2mo {E}",
            f"os2:os2rollekatalog {E}",
            f"os2:os2faktor {E}",
            f"domain:identity-access {E}",
            f"std:fk-organisation {E}",
            f"std:oiosaml {E}",
            f"tech:active-directory {E}",
            f"tech:java {X}",
            f"tech:python {X}",
            f"std:iso27001 {X}",
        ),
        (
            (
                "Rollekatalog og automatisk rettighedstildeling",
                "Aarhus Kommune",
                2024,
                "Indførelse af OS2rollekatalog for 25.000 medarbejdere med integration til "
                "lønsystemet.",
                ("os2:os2rollekatalog", "domain:identity-access"),
            ),
            (
                "OS2faktor som fælles loginløsning",
                "Viborg Kommune",
                2023,
                "Opsætning og drift af OS2faktor med MitID Erhverv og totrinslogin.",
                ("os2:os2faktor", "std:mitid-nemlogin"),
            ),
            (
                "Organisationsdata fra OS2mo til FK Organisation",
                "Frederikshavn Kommune",
                2022,
                "Synkronisering af organisation og ledere til Fælleskommunal Organisation.",
                ("os2:os2mo", "std:fk-organisation"),
            ),
        ),
    ),
    Archetype(
        "Fjordsoft arbejder med geodata og IoT: vi kobler sensorer på OS2iot, bygger kort i "
        "QGIS og PostGIS og laver analyser af klimatilpasning og oversvømmelsesrisiko.",
        "Geodata and IoT: sensors on OS2iot, maps in QGIS and PostGIS, analyses of climate "
        "adaptation and flood risk.",
        950,
        380,
        14,
        ("da", "en"),
        (
            f"72316000 {E}",
            f"72212000 {X}",
            f"os2:os2iot {E}",
            f"os2:os2skadesokonomi {X}",
            f"domain:gis {E}",
            f"domain:iot {E}",
            f"domain:climate {X}",
            f"tech:gis-tools {E}",
            f"tech:postgresql {E}",
            f"tech:python {X}",
            f"std:inspire {B}",
        ),
        (
            (
                "Sensornetværk for vandstand",
                "Vejle Kommune",
                2024,
                "80 LoRaWAN-sensorer koblet på OS2iot med alarmer til beredskabet.",
                ("os2:os2iot", "domain:iot"),
            ),
            (
                "Skadesøkonomi for skybrud",
                "Randers Kommune",
                2023,
                "Beregning af skadesomkostninger ved skybrud med OS2skadesokonomi.",
                ("os2:os2skadesokonomi", "domain:climate"),
            ),
        ),
    ),
    Archetype(
        "Skagen Software er en fuldservice-leverandør med 400 medarbejdere. Vi udvikler og "
        "drifter sagsbehandlingssystemer, økonomiløsninger og integrationer på .NET og Azure "
        "og har stor erfaring med store udbud og ISO 27001-certificeret drift.",
        "Full-service vendor with 400 staff: case handling, finance solutions and "
        "integrations on .NET and Azure, ISO 27001 certified operations.",
        1325,
        2400,
        60,
        ("da", "en", "sv"),
        (
            f"72000000 {E}",
            f"72200000 {E}",
            f"72500000 {E}",
            f"72514000 {E}",
            f"48000000 {X}",
            f"domain:case-handling {E}",
            f"domain:finance {E}",
            f"tech:dotnet {E}",
            f"tech:azure {E}",
            f"tech:mssql {E}",
            f"std:iso27001 {E}",
            f"std:fesd {X}",
            f"std:serviceplatformen {E}",
            f"std:gdpr {E}",
        ),
        (
            (
                "Nyt ESDH-system",
                "Københavns Kommune",
                2022,
                "Implementering og drift af sagsbehandling for 9.000 brugere.",
                ("domain:case-handling", "std:fesd"),
            ),
            (
                "Integrationsplatform",
                "Region Midtjylland",
                2023,
                "Fælles integrationslag mod Serviceplatformen og økonomisystemet.",
                ("std:serviceplatformen", "domain:finance"),
            ),
        ),
    ),
    Archetype(
        "Enkeltmandsvirksomhed med fokus på tilgængelighed og brugervenlighed: "
        "tilgængelighedsrevisioner efter WCAG 2.1, brugertest med borgere og rettelser i "
        "React- og Vue-frontends.",
        "One-person business focused on accessibility and usability: WCAG 2.1 audits, user "
        "tests with citizens and fixes in React and Vue front ends.",
        780,
        90,
        2,
        ("da",),
        (
            f"72413000 {X}",
            f"79419000 {X}",
            f"std:wcag {E}",
            f"tech:react {X}",
            f"tech:vue {X}",
            f"domain:websites {X}",
            f"domain:self-service {X}",
        ),
        (
            (
                "Tilgængelighedsrevision af selvbetjening",
                "Guldborgsund Kommune",
                2024,
                "Gennemgang af 12 selvbetjeningsløsninger og rapport med prioriterede rettelser.",
                ("std:wcag",),
            ),
        ),
    ),
    Archetype(
        "Vi er tre erfarne Python-udviklere, der har bidraget til OS2kitos i flere år. Vi "
        "tager opgaver i Django og PostgreSQL, rapporter og integrationer.",
        "Three experienced Python developers who have contributed to OS2kitos for years: "
        "Django, PostgreSQL, reports and integrations.",
        850,
        260,
        3,
        ("da", "en"),
        (
            f"72212000 {E}",
            f"72262000 {X}",
            f"os2:os2kitos {E}",
            f"tech:python {E}",
            f"tech:django {E}",
            f"tech:postgresql {X}",
            f"domain:it-governance {X}",
        ),
        (
            (
                "Rapportmodul til OS2kitos",
                "Ballerup Kommune",
                2024,
                "Nye rapporter over kontrakter og databehandleraftaler.",
                ("os2:os2kitos", "domain:it-governance"),
            ),
        ),
    ),
    Archetype(
        "Bornholm Open Source driver Linux-miljøer og OS2borgerPC for biblioteker og "
        "borgerservice. Vi automatiserer med Ansible og kører døgnovervågning.",
        "Linux operations and OS2borgerPC for libraries and citizen service centres, "
        "automated with Ansible and monitored around the clock.",
        820,
        300,
        6,
        ("da",),
        (
            f"72514000 {E}",
            f"72253000 {X}",
            f"50324000 {X}",
            f"os2:os2borgerpc {E}",
            f"tech:linux {E}",
            f"tech:ansible {E}",
            f"tech:docker {X}",
            f"domain:libraries {X}",
            f"domain:citizen-service {X}",
        ),
        (
            (
                "OS2borgerPC på alle biblioteker",
                "Bornholms Regionskommune",
                2023,
                "Udrulning og drift af 140 borger-pc'er.",
                ("os2:os2borgerpc", "tech:linux"),
            ),
            (
                "Infoskærme i borgerservice",
                "Faxe Kommune",
                2022,
                "Opsætning af OS2display og drift af skærmene.",
                ("os2:os2display",),
            ),
        ),
    ),
    Archetype(
        "Datahuset Fyn leverer data, arkivering og integrationer: arkiveringsversioner til "
        "Rigsarkivet, datavarehuse, Power BI-rapporter og integrationer efter FESD og KLE.",
        "Data, archiving and integrations: submissions to the national archives, data "
        "warehouses, Power BI reports and FESD and KLE integrations.",
        1195,
        1600,
        45,
        ("da", "en"),
        (
            f"72300000 {E}",
            f"72310000 {E}",
            f"72322000 {E}",
            f"79995100 {X}",
            f"domain:archiving {E}",
            f"domain:data-analytics {E}",
            f"std:kle {E}",
            f"std:fesd {X}",
            f"tech:mssql {E}",
            f"tech:azure {X}",
            f"std:gdpr {X}",
        ),
        (
            (
                "Arkiveringsversion af ESDH",
                "Odense Kommune",
                2023,
                "Aflevering af 4 mio. dokumenter til Rigsarkivet.",
                ("domain:archiving",),
            ),
            (
                "Ledelsesinformation på ældreområdet",
                "Svendborg Kommune",
                2024,
                "Datavarehus og rapporter for hjemmeplejen.",
                ("domain:data-analytics", "domain:health-care"),
            ),
        ),
    ),
    Archetype(
        "Limfjord Data automatiserer administrative processer med softwarerobotter (RPA) og "
        "deler løsningerne via OS2autoproces. Vi arbejder med UiPath og Power Platform.",
        "Automation of administrative processes with software robots (RPA), shared through "
        "OS2autoproces; UiPath and Power Platform.",
        995,
        500,
        12,
        ("da",),
        (
            f"72212000 {X}",
            f"79411000 {X}",
            f"os2:os2autoproces {E}",
            f"tech:rpa {E}",
            f"tech:uipath {E}",
            f"tech:power-platform {X}",
            f"domain:hr-payroll {X}",
            f"domain:finance {X}",
            f"domain:employment {B}",
        ),
        (
            (
                "Robot til lønrefusioner",
                "Skive Kommune",
                2024,
                "Softwarerobot der søger refusioner ved sygdom og sparer 1.200 timer om året.",
                ("tech:rpa", "domain:hr-payroll"),
            ),
        ),
    ),
    Archetype(
        "Sønderjysk Systemudvikling laver løsninger til skoler og dagtilbud: OS2skoledata, "
        "OS2udoglaer og integrationer til UNI-Login og brugerkataloger.",
        "Solutions for schools and day care: OS2skoledata, OS2udoglaer and integrations with "
        "UNI-Login and user directories.",
        925,
        640,
        18,
        ("da", "de"),
        (
            f"72212000 {E}",
            f"80533000 {X}",
            f"os2:os2skoledata {E}",
            f"os2:os2udoglaer {X}",
            f"domain:schools {E}",
            f"tech:java {X}",
            f"tech:spring {X}",
            f"tech:mysql {X}",
        ),
        (
            (
                "Skoledata til Google Workspace",
                "Aabenraa Kommune",
                2023,
                "Automatisk oprettelse af elever og klasser fra OS2skoledata.",
                ("os2:os2skoledata", "domain:schools"),
            ),
        ),
    ),
    Archetype(
        "Kattegat Konsulenterne rådgiver om it-strategi, udbud, kravspecifikation og "
        "informationssikkerhed. Vi bruger OS2kravmotor og OS2compliance og leder projekter "
        "fra business case til implementering.",
        "Advice on IT strategy, procurement, requirements and information security with "
        "OS2kravmotor and OS2compliance, from business case to implementation.",
        1250,
        1100,
        30,
        ("da", "en"),
        (
            f"72220000 {E}",
            f"72224000 {E}",
            f"79421000 {E}",
            f"79418000 {E}",
            f"80511000 {X}",
            f"os2:os2kravmotor {E}",
            f"os2:os2compliance {X}",
            f"domain:procurement {E}",
            f"domain:information-security {X}",
            f"std:iso27001 {E}",
            f"std:ds484 {X}",
        ),
        (
            (
                "Udbud af nyt økonomisystem",
                "Herning Kommune",
                2023,
                "Kravspecifikation i OS2kravmotor og gennemførelse af udbuddet.",
                ("os2:os2kravmotor", "domain:procurement"),
            ),
            (
                "ISMS efter ISO 27001",
                "Holstebro Kommune",
                2024,
                "Risikovurderinger og kontroller i OS2compliance.",
                ("os2:os2compliance", "std:iso27001"),
            ),
        ),
    ),
    Archetype(
        "Himmerland Tech udvikler i PHP og Symfony og har bygget moduler til OS2valghalla og "
        "OS2display. Vi kender valgafviklingen i kommunerne indefra.",
        "PHP and Symfony development: modules for OS2valghalla and OS2display, with inside "
        "knowledge of municipal elections.",
        890,
        320,
        9,
        ("da", "en"),
        (
            f"72212000 {E}",
            f"72262000 {X}",
            f"os2:os2valghalla {E}",
            f"os2:os2display {X}",
            f"domain:elections {E}",
            f"tech:php {E}",
            f"tech:symfony {E}",
            f"tech:vue {X}",
        ),
        (
            (
                "Valgtilforordnede til kommunalvalget",
                "Mariagerfjord Kommune",
                2021,
                "Tilpasning af OS2valghalla med SMS-påmindelser.",
                ("os2:os2valghalla", "domain:elections"),
            ),
        ),
    ),
]


async def seed() -> list[str]:
    created = await services.seed_taxonomy()
    return [f"competency taxonomy: {created} codes added"]


def _profile(archetype: Archetype, start: dt.date) -> ProfileUpdate:
    pairs = [entry.rsplit(" ", 1) for entry in archetype.competencies]
    return ProfileUpdate(
        profile_text=archetype.text_da,
        profile_text_en=archetype.text_en,
        hourly_rate_dkk=archetype.rate,
        capacity_hours_per_month=archetype.hours,
        capacity_from=start,
        team_size=archetype.team,
        working_languages=list(archetype.languages),
        competencies=[{"code": code, "level": level} for code, level in pairs],
        references=[
            ReferenceIn(title=t, customer=c, year=y, description=d, codes=list(codes))
            for t, c, y, d, codes in archetype.references
        ],
    )


async def load() -> list[str]:
    await services.seed_taxonomy()
    vendors = list(await Vendor.all().order_by("id"))
    done = 0
    for n, vendor in enumerate(vendors[: len(ARCHETYPES)]):
        if vendor.profile_updated_at is not None:
            continue
        admin = await User.filter(organisation_id=vendor.organisation_id).order_by("id").first()
        if admin is None:
            continue
        start = clock.to_local(clock.now()).date() + dt.timedelta(days=14 * (n % 4))
        await services.update_profile(vendor.id, _profile(ARCHETYPES[n], start), actor=admin)
        done += 1
    return [f"competency profiles: {done} vendors given a profile"]
