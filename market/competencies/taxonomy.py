"""The seed taxonomy: CPV codes and OS2 products from market/data, technologies, domains of
municipal work and standards from the lists below. `seed_taxonomy()` adds what is missing."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from market.settings import ROOT

DATA = ROOT / "market" / "data"


@dataclass(frozen=True)
class Seed:
    code: str
    kind: str
    parent: str
    label_da: str
    label_en: str
    level: int
    sort: int


# (code, parent, Danish label, English label)
TECHNOLOGIES: list[tuple[str, str, str, str]] = [
    ("tech:python", "", "Python", "Python"),
    ("tech:django", "tech:python", "Django", "Django"),
    ("tech:flask", "tech:python", "Flask", "Flask"),
    ("tech:fastapi", "tech:python", "FastAPI", "FastAPI"),
    ("tech:java", "", "Java", "Java"),
    ("tech:spring", "tech:java", "Spring", "Spring"),
    ("tech:kotlin", "tech:java", "Kotlin", "Kotlin"),
    ("tech:dotnet", "", ".NET og C#", ".NET and C#"),
    ("tech:aspnet", "tech:dotnet", "ASP.NET Core", "ASP.NET Core"),
    ("tech:php", "", "PHP", "PHP"),
    ("tech:drupal", "tech:php", "Drupal", "Drupal"),
    ("tech:symfony", "tech:php", "Symfony", "Symfony"),
    ("tech:wordpress", "tech:php", "WordPress", "WordPress"),
    ("tech:javascript", "", "JavaScript", "JavaScript"),
    ("tech:typescript", "tech:javascript", "TypeScript", "TypeScript"),
    ("tech:react", "tech:javascript", "React", "React"),
    ("tech:vue", "tech:javascript", "Vue.js", "Vue.js"),
    ("tech:angular", "tech:javascript", "Angular", "Angular"),
    ("tech:nodejs", "tech:javascript", "Node.js", "Node.js"),
    ("tech:databases", "", "Databaser", "Databases"),
    ("tech:postgresql", "tech:databases", "PostgreSQL", "PostgreSQL"),
    ("tech:mysql", "tech:databases", "MySQL og MariaDB", "MySQL and MariaDB"),
    ("tech:mssql", "tech:databases", "Microsoft SQL Server", "Microsoft SQL Server"),
    ("tech:oracle", "tech:databases", "Oracle Database", "Oracle Database"),
    (
        "tech:elasticsearch",
        "tech:databases",
        "Elasticsearch og OpenSearch",
        "Elasticsearch and OpenSearch",
    ),
    ("tech:operations", "", "Drift og infrastruktur", "Operations and infrastructure"),
    ("tech:linux", "tech:operations", "Linux", "Linux"),
    ("tech:windows-server", "tech:operations", "Windows Server", "Windows Server"),
    ("tech:docker", "tech:operations", "Docker og containere", "Docker and containers"),
    ("tech:kubernetes", "tech:operations", "Kubernetes", "Kubernetes"),
    ("tech:ansible", "tech:operations", "Ansible", "Ansible"),
    ("tech:terraform", "tech:operations", "Terraform", "Terraform"),
    ("tech:azure", "tech:operations", "Microsoft Azure", "Microsoft Azure"),
    ("tech:aws", "tech:operations", "Amazon Web Services", "Amazon Web Services"),
    (
        "tech:active-directory",
        "tech:operations",
        "Active Directory og Entra ID",
        "Active Directory and Entra ID",
    ),
    ("tech:gis-tools", "", "GIS-værktøjer (QGIS, PostGIS)", "GIS tools (QGIS, PostGIS)"),
    ("tech:rpa", "", "Robotic process automation (RPA)", "Robotic process automation (RPA)"),
    ("tech:power-platform", "tech:rpa", "Microsoft Power Platform", "Microsoft Power Platform"),
    ("tech:uipath", "tech:rpa", "UiPath", "UiPath"),
    ("tech:mobile", "", "Mobilapps", "Mobile apps"),
    ("tech:flutter", "tech:mobile", "Flutter", "Flutter"),
    ("tech:keycloak", "", "Keycloak", "Keycloak"),
]

DOMAINS: list[tuple[str, str, str, str]] = [
    ("domain:case-handling", "", "Sagsbehandling og ESDH", "Case handling and records management"),
    ("domain:hr-payroll", "", "HR og løn", "HR and payroll"),
    ("domain:gis", "", "Geodata og kort (GIS)", "Geodata and maps (GIS)"),
    ("domain:identity-access", "", "Identitet og adgangsstyring", "Identity and access management"),
    ("domain:iot", "", "IoT og sensorer", "IoT and sensors"),
    ("domain:self-service", "", "Digital selvbetjening", "Digital self-service"),
    ("domain:schools", "", "Skole og dagtilbud", "Schools and day care"),
    ("domain:elections", "", "Valg", "Elections"),
    ("domain:social", "", "Socialområdet", "Social services"),
    ("domain:health-care", "", "Sundhed og ældrepleje", "Health and elderly care"),
    ("domain:finance", "", "Økonomi og regnskab", "Finance and accounting"),
    ("domain:archiving", "", "Arkivering og bevaring", "Archiving and preservation"),
    ("domain:employment", "", "Beskæftigelse", "Employment services"),
    ("domain:technical-environment", "", "Teknik og miljø", "Technical and environmental services"),
    ("domain:citizen-service", "", "Borgerservice", "Citizen service centres"),
    ("domain:libraries", "", "Biblioteker og kultur", "Libraries and culture"),
    (
        "domain:it-governance",
        "",
        "It-styring og kontraktstyring",
        "IT governance and contract management",
    ),
    ("domain:information-security", "", "Informationssikkerhed", "Information security"),
    ("domain:websites", "", "Hjemmesider og kommunikation", "Websites and communication"),
    ("domain:data-analytics", "", "Data og analyse", "Data and analytics"),
    ("domain:procurement", "", "Indkøb og udbud", "Procurement and tendering"),
    ("domain:fleet-mobility", "", "Flåde og mobilitet", "Fleet and mobility"),
    ("domain:climate", "", "Klima og klimatilpasning", "Climate and climate adaptation"),
]

STANDARDS: list[tuple[str, str, str, str]] = [
    ("std:wcag", "", "WCAG (webtilgængelighed)", "WCAG (web accessibility)"),
    ("std:iso27001", "", "ISO/IEC 27001", "ISO/IEC 27001"),
    ("std:gdpr", "", "GDPR og databeskyttelse", "GDPR and data protection"),
    ("std:oio", "", "OIO-standarder", "OIO standards"),
    ("std:oiosaml", "std:oio", "OIOSAML", "OIOSAML"),
    ("std:oioubl", "std:oio", "OIOUBL (e-faktura)", "OIOUBL (e-invoicing)"),
    ("std:mitid-nemlogin", "", "MitID og NemLog-in", "MitID and NemLog-in"),
    ("std:serviceplatformen", "", "Serviceplatformen", "Serviceplatformen (KOMBIT)"),
    (
        "std:fk-organisation",
        "std:serviceplatformen",
        "Fælleskommunal Organisation",
        "Joint municipal Organisation service",
    ),
    (
        "std:fk-klassifikation",
        "std:serviceplatformen",
        "Fælleskommunal Klassifikation",
        "Joint municipal Classification service",
    ),
    (
        "std:sf-cpr",
        "std:serviceplatformen",
        "CPR-opslag via Serviceplatformen",
        "CPR look-up through Serviceplatformen",
    ),
    ("std:kle", "", "KL's Emnesystematik (KLE)", "KL's subject classification (KLE)"),
    ("std:digital-post", "", "Digital Post", "Digital Post"),
    ("std:nemkonto", "", "NemKonto", "NemKonto"),
    (
        "std:fesd",
        "",
        "FESD (fællesoffentlig ESDH-standard)",
        "FESD (public records management standard)",
    ),
    ("std:oauth-oidc", "", "OAuth 2.0 og OpenID Connect", "OAuth 2.0 and OpenID Connect"),
    ("std:saml", "", "SAML 2.0", "SAML 2.0"),
    ("std:ocds", "", "Open Contracting Data Standard", "Open Contracting Data Standard"),
    ("std:inspire", "", "INSPIRE (geodata)", "INSPIRE (spatial data)"),
    ("std:ds484", "", "DS 484 (informationssikkerhed)", "DS 484 (information security)"),
]

# Danish descriptions of the OS2 products (the English ones are in os2_products.csv).
PRODUCT_LABELS_DA = {
    "OS2kitos": "OS2kitos: overblik over it-systemer, kontrakter og snitflader",
    "OS2mo": "OS2mo: organisation og identitetsstyring",
    "OS2rollekatalog": "OS2rollekatalog: jobroller og rettigheder",
    "OS2faktor": "OS2faktor: login og totrinsgodkendelse",
    "OS2sofd": "OS2sofd: fælles organisations- og medarbejderdatabase",
    "OS2compliance": "OS2compliance: informationssikkerhed og compliance",
    "OS2kravmotor": "OS2kravmotor: kravspecifikationer til it-indkøb",
    "OS2autoproces": "OS2autoproces: idéer og design til automatisering (RPA)",
    "OS2skoledata": "OS2skoledata: skoledata til brugerkataloger",
    "OS2korrespondance": "OS2korrespondance: sikker post mellem kommuner og sundhedsvæsen",
    "OS2valghalla": "OS2valghalla: valgtilforordnede og valgsteder",
    "OS2iot": "OS2iot: platform til IoT-enheder og deres data",
    "OS2display": "OS2display: infoskærme og digital skiltning",
    "OS2agora": "OS2agora: portal til offentlige høringer",
    "OS2forms": "OS2forms: selvbetjeningsformularer til borgere (Drupal)",
    "OS2web": "OS2web: kommunale hjemmesider (Drupal)",
    "OS2borgerPC": "OS2borgerPC: borger-pc'er på biblioteker og i borgerservice",
    "OS2fleetoptimiser": "OS2fleetoptimiser: optimering af kommunens bilpark",
    "OS2udoglaer": "OS2udoglaer: læringstilbud til skoler og dagtilbud",
    "OS2skadesokonomi": "OS2skadesokonomi: GIS-værktøj til økonomien i oversvømmelsesskader",
}


def product_code(name: str) -> str:
    return f"os2:{name.lower()}"


def cpv_seeds() -> list[Seed]:
    with (DATA / "cpv_it.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Seed(
                row["code"],
                "cpv",
                row["parent"],
                row["label_da"],
                row["label_en"],
                int(row["level"]),
                n,
            )
            for n, row in enumerate(csv.DictReader(handle))
        ]


def product_seeds() -> list[Seed]:
    with (DATA / "os2_products.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Seed(
            product_code(row["name"]),
            "product",
            "",
            PRODUCT_LABELS_DA.get(row["name"], row["name"]),
            f"{row['name']}: {row['description_en']}",
            1,
            n,
        )
        for n, row in enumerate(rows)
    ]


def _listed(kind: str, entries: list[tuple[str, str, str, str]]) -> list[Seed]:
    return [
        Seed(code, kind, parent, label_da, label_en, 2 if parent else 1, n)
        for n, (code, parent, label_da, label_en) in enumerate(entries)
    ]


def all_seeds() -> list[Seed]:
    return (
        cpv_seeds()
        + product_seeds()
        + _listed("technology", TECHNOLOGIES)
        + _listed("domain", DOMAINS)
        + _listed("standard", STANDARDS)
    )
