"""Importing product histories, vendors' identities and the contribution figures derived from them.

Commits are stored with hashed identities only. Which vendor a commit belongs to is decided
from the confirmed identities each time the figures are rebuilt, so a vendor that declares its
domain after an import gets its earlier commits counted too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError

from market import clock
from market.accounts.models import User
from market.audit.services import record
from market.contributions import gitlog
from market.contributions.models import (
    ContributionSource,
    IdentityKind,
    ImportedCommit,
    VendorContribution,
    VendorIdentity,
)
from market.contributions.schemas import IdentitiesDeclare
from market.db import after_commit, transaction
from market.errors import (
    AlreadyExists,
    NotFound,
    NotVendorAdmin,
    ValidationFailed,
)
from market.i18n import gettext as _
from market.solutions.models import Solution
from market.vendors.models import Vendor

# Who is told that a vendor's contribution figures changed: the shortlists register (matching
# reads these figures, so it sits above this module and this module imports nothing of it).
_vendor_listeners: list[Callable[[int], Awaitable[object]]] = []


def on_vendor_changed(listener: Callable[[int], Awaitable[object]]) -> None:
    """Call `listener(vendor_id)` after a rebuild changed that vendor's figures."""
    if listener not in _vendor_listeners:
        _vendor_listeners.append(listener)


BATCH = 2000
URL_SCHEMES = ("https", "http", "git", "ssh", "file")
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Mail domains shared by many people say nothing about the company behind a commit.
SHARED_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "yahoo.com",
        "icloud.com", "me.com", "protonmail.com", "proton.me", "gmx.com", "gmx.net",
        "users.noreply.github.com", "noreply.github.com", "users.noreply.gitlab.com",
        "localhost", "localdomain", "example.com", "example.org",
    }
)  # fmt: skip

Progress = Callable[[int], object]


class ImportFailed(ValidationFailed):
    """The history could not be read; what was imported before is kept."""


@dataclass
class ImportReport:
    solution: str
    new_commits: int = 0
    known_commits: int = 0
    total_commits: int = 0
    rewritten: bool = False
    empty: bool = False
    odd_encodings: int = 0
    unmatched_authors: int = 0
    vendors: dict[str, int] = field(default_factory=dict)  # vendor name -> commits

    def lines(self) -> list[str]:
        """What the import did, in sentences for the command line and the secretariat."""
        if self.empty:
            return [_("%(solution)s: the repository has no commits yet; nothing imported.")
                    % {"solution": self.solution}]  # fmt: skip
        found = [
            _("%(solution)s: %(new)d new commits imported, %(known)d already known, "
              "%(total)d in all.")
            % {"solution": self.solution, "new": self.new_commits, "known": self.known_commits,
               "total": self.total_commits}
        ]  # fmt: skip
        if self.rewritten:
            found.append(
                _("The history was rewritten since the last import: commits seen before are "
                  "kept and not counted twice.")
            )  # fmt: skip
        if self.odd_encodings:
            found.append(
                _("%(n)d commits had author identities that are not UTF-8: read as Latin-1.")
                % {"n": self.odd_encodings}
            )
        for name, commits in sorted(self.vendors.items()):
            found.append(_("%(vendor)s: %(n)d commits.") % {"vendor": name, "n": commits})
        found.append(
            _("%(n)d authors match no confirmed vendor identity (counted, not shown).")
            % {"n": self.unmatched_authors}
        )
        return found


# --- importing ---------------------------------------------------------------------------


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in URL_SCHEMES or bool(
        re.match(r"^[\w.-]+@[\w.-]+:", location)
    )


def redacted(location: str) -> str:
    """The location as it may be stored and shown: a password in a URL is left out."""
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def mirror_path(var_dir: Path, solution_id: int) -> Path:
    return var_dir / "repositories" / f"solution-{solution_id}.git"


def fetch_mirror(url: str, mirror: Path) -> Path:
    """A bare mirror of `url` under the var directory, cloned once and fetched afterwards."""
    if (mirror / "HEAD").exists():
        # The solution's address may have changed since the clone: fetch from the current one.
        gitlog.git(mirror, "remote", "set-url", "origin", url)
        gitlog.git(mirror, "fetch", "--prune", "--quiet", "origin", timeout=gitlog.TIMEOUT_SECONDS)
    else:
        mirror.parent.mkdir(parents=True, exist_ok=True)
        gitlog.git(
            mirror.parent, "clone", "--mirror", "--quiet", "--", url, str(mirror),
            timeout=gitlog.TIMEOUT_SECONDS,
        )  # fmt: skip
    return mirror


def _plan(location: str, mirror: Path, last_head: str) -> tuple[Path, str | None, str]:
    """(repository, its head, the revisions to read): only what came after the last import,
    everything when the history was rewritten, nothing when the head has not moved."""
    repository = (
        fetch_mirror(location, mirror)
        if is_url(location)
        else Path(location).expanduser().resolve()
    )
    tip = gitlog.head(repository)
    if tip is None or last_head == tip:
        return repository, tip, ""
    if last_head and gitlog.is_ancestor(repository, last_head, tip):
        return repository, tip, f"{last_head}..{tip}"
    return repository, tip, tip


async def get_solution_by_name(name: str) -> Solution | None:
    return await Solution.filter(name__iexact=name.strip()).first()


async def _source(solution: Solution, location: str) -> ContributionSource:
    source = await ContributionSource.get_or_none(solution_id=solution.id)
    if source is None:
        try:
            async with transaction():
                source = await ContributionSource.create(solution_id=solution.id, location=location)
        except IntegrityError:
            source = await ContributionSource.get(solution_id=solution.id)
    return source


async def _fail(source: ContributionSource, message: str) -> ImportFailed:
    source.last_error = message[:2000]
    await source.save(update_fields=["last_error", "updated_at"])
    return ImportFailed(
        _("The repository could not be read: %(reason)s. Nothing imported before is lost.")
        % {"reason": message}
    )


async def import_commits(
    solution: Solution,
    location: str,
    *,
    var_dir: Path,
    progress: Progress | None = None,
    on_total: Callable[[int], object] | None = None,
) -> ImportReport:
    """Read new commits of `solution` from a local repository or a git URL (idempotent).

    Only commits after the last imported head are read; when the history was rewritten since,
    the whole history is read again and commits already known (same author, time and subject)
    are skipped. Raises `ImportFailed` for a repository that cannot be read, keeping whatever
    was imported before.
    """
    location = location.strip()
    source = await _source(solution, redacted(location))
    report = ImportReport(solution=solution.name)
    try:
        repository, tip, revisions = await asyncio.to_thread(
            _plan, location, mirror_path(var_dir, solution.id), source.last_head
        )
        if tip is None:
            report.empty = True
        else:
            report.rewritten = bool(source.last_head) and revisions == tip
            if revisions:
                await _read(solution, repository, revisions, report, progress, on_total)
    except gitlog.RepositoryError as exc:
        raise await _fail(source, str(exc)) from exc
    report.total_commits = await ImportedCommit.filter(solution_id=solution.id).count()
    report.known_commits = report.total_commits - report.new_commits
    if report.new_commits or report.rewritten or not source.imported_at:
        counts = await rebuild_contributions(solution.id)
        source.unmatched_authors = counts.unmatched_authors
        report.vendors = counts.by_vendor
    else:
        report.vendors = await commits_by_vendor(solution.id)
    report.unmatched_authors = source.unmatched_authors
    source.location = redacted(location)
    source.last_head = tip or source.last_head
    source.commits = report.total_commits
    source.imported_at = clock.now()
    source.last_error = ""
    source.last_message = "\n".join(report.lines())
    async with transaction():
        await source.save()
        await record(
            "contributions.imported",
            object_type="solution",
            object_id=solution.id,
            after={
                "head": source.last_head,
                "new_commits": report.new_commits,
                "commits": report.total_commits,
                "rewritten": report.rewritten,
            },
        )
    return report


async def _read(
    solution: Solution,
    repository: Path,
    revisions: str,
    report: ImportReport,
    progress: Progress | None,
    on_total: Callable[[int], object] | None,
) -> None:
    if on_total is not None:
        on_total(await asyncio.to_thread(gitlog.count_commits, repository, revisions))
    keys = await ImportedCommit.filter(solution_id=solution.id).values_list("key", flat=True)
    known: set[str] = {str(key) for key in keys}
    commits = gitlog.read_commits(repository, revisions)
    try:
        # git runs in a thread, one batch at a time, so the event loop stays free.
        while chunk := await asyncio.to_thread(lambda: list(itertools.islice(commits, BATCH))):
            batch = []
            for commit in chunk:
                report.odd_encodings += commit.odd_encoding
                if commit.key not in known:
                    known.add(commit.key)
                    batch.append(_row(solution.id, commit))
            report.new_commits += await _store(batch)
            if progress is not None:
                progress(len(chunk))
    finally:
        commits.close()


def _row(solution_id: int, commit: gitlog.CommitRecord) -> ImportedCommit:
    return ImportedCommit(
        solution_id=solution_id,
        key=commit.key,
        authored_at=commit.authored_at,
        email_hash=commit.email_hash,
        name_hash=commit.name_hash,
        domain_hash=commit.domain_hash,
        lines_changed=commit.lines_changed,
        files_touched=commit.files_touched,
        languages=commit.languages,
    )


async def _store(batch: list[ImportedCommit]) -> int:
    """Insert a batch; rows another run inserted meanwhile are ignored (idempotent)."""
    if not batch:
        return 0
    async with transaction():
        await ImportedCommit.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


# --- who is who --------------------------------------------------------------------------


@dataclass
class Attribution:
    by_vendor: dict[str, int] = field(default_factory=dict)
    unmatched_authors: int = 0
    vendor_ids: set[int] = field(default_factory=set)


async def _confirmed_identities() -> dict[tuple[str, str], int]:
    rows = await VendorIdentity.filter(confirmed_at__isnull=False).values_list(
        "kind", "value_hash", "vendor_id"
    )
    return {(str(kind), str(value)): int(vendor) for kind, value, vendor in rows}


def _month(at: dt.datetime) -> dt.date:
    local = clock.to_local(at)
    return dt.date(local.year, local.month, 1)


async def rebuild_contributions(solution_id: int) -> Attribution:
    """Recompute every vendor's monthly figures for one solution from its commits (idempotent).

    A commit belongs to the vendor whose confirmed author address, name or domain it carries,
    in that order of precedence; other authors are only counted.
    """
    identities = await _confirmed_identities()
    totals: dict[tuple[int, dt.date], VendorContribution] = {}
    unmatched: set[str] = set()
    last_id = 0
    while True:
        rows = await ImportedCommit.filter(solution_id=solution_id, id__gt=last_id).order_by(
            "id"
        ).limit(20000).values_list(
            "id", "authored_at", "email_hash", "name_hash", "domain_hash",
            "lines_changed", "files_touched", "languages",
        )  # fmt: skip
        if not rows:
            break
        for cid, at, email, name, domain, lines, files, languages in rows:
            last_id = int(cid)
            vendor_id: int | None = (
                identities.get((IdentityKind.EMAIL, str(email)))
                or identities.get((IdentityKind.NAME, str(name)))
                or identities.get((IdentityKind.DOMAIN, str(domain)))
            )
            if vendor_id is None:
                unmatched.add(str(email))
                continue
            _add(totals, vendor_id, solution_id, at, int(lines), int(files), languages)
    async with transaction():
        # One rebuild of a solution at a time (another job may run the same one).
        await ContributionSource.filter(solution_id=solution_id).select_for_update().first()
        earlier = await VendorContribution.filter(solution_id=solution_id).values_list(
            "vendor_id", flat=True
        )
        before = {int(v) for v in earlier}  # type: ignore[call-overload]
        await VendorContribution.filter(solution_id=solution_id).delete()
        await VendorContribution.bulk_create(list(totals.values()))
        after = {vendor_id for vendor_id, _month in totals}
    # A new matching index version for each vendor whose figures may have changed, and fresh
    # shortlists of the open tasks (the shortlists listen: see on_vendor_changed).
    for vendor_id in sorted(before | after):
        for listener in _vendor_listeners:
            await listener(vendor_id)
    names = dict(await Vendor.filter(id__in=list(after)).values_list("id", "name"))
    by_vendor: dict[str, int] = defaultdict(int)
    for (vendor_id, _m), row in totals.items():
        by_vendor[str(names.get(vendor_id, vendor_id))] += row.commits
    return Attribution(dict(by_vendor), len(unmatched), after | before)


def _add(
    totals: dict[tuple[int, dt.date], VendorContribution],
    vendor_id: int,
    solution_id: int,
    at: dt.datetime,
    lines: int,
    files: int,
    languages: dict[str, int] | None,
) -> None:
    month = _month(at)
    row = totals.get((vendor_id, month))
    if row is None:
        row = totals[(vendor_id, month)] = VendorContribution(
            vendor_id=vendor_id, solution_id=solution_id, month=month, languages={},
            first_commit_at=at, last_commit_at=at,
        )  # fmt: skip
    row.commits += 1
    row.lines_changed += lines
    row.files_touched += files
    row.first_commit_at = min(row.first_commit_at, at)
    row.last_commit_at = max(row.last_commit_at, at)
    for language, count in (languages or {}).items():
        row.languages[language] = row.languages.get(language, 0) + int(count)


async def commits_by_vendor(solution_id: int) -> dict[str, int]:
    rows = await VendorContribution.filter(solution_id=solution_id).values_list(
        "vendor__name", "commits"
    )
    found: dict[str, int] = defaultdict(int)
    for name, commits in rows:
        found[str(name)] += int(commits)
    return dict(found)


async def solution_ids_with_commits() -> list[int]:
    return [int(i) for i in await ContributionSource.all().values_list("solution_id", flat=True)]  # type: ignore[call-overload]


async def rebuild_all() -> int:
    """After identities changed: every solution's figures again."""
    ids = await solution_ids_with_commits()
    for solution_id in ids:
        counts = await rebuild_contributions(solution_id)
        await ContributionSource.filter(solution_id=solution_id).update(
            unmatched_authors=counts.unmatched_authors
        )
    return len(ids)


# --- identities --------------------------------------------------------------------------


def mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else f"{local[:1]}…"


def mask_name(name: str) -> str:
    return " ".join(f"{part[:1]}…" for part in name.split()) or "…"


@dataclass
class Declared:
    kind: str
    value_hash: str
    label: str


def _parse_identities(data: IdentitiesDeclare) -> list[Declared]:
    """Each declared value of the right form, by its hash; 422 naming the first wrong one of
    each field."""
    errors: dict[str, str] = {}
    found: dict[str, Declared] = {}
    for name, values in (("domains", data.domains), ("authors", data.authors)):
        for value in values:
            problem = _declare(name, value, found)
            if problem:
                errors[name] = problem
                break
    if errors:
        raise ValidationFailed(str(IdentitiesDeclare.failure_message), errors)
    return list(found.values())


def _declare(field_name: str, value: str, found: dict[str, Declared]) -> str:
    if field_name == "domains":
        domain = gitlog.normal_email(value).removeprefix("@")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return _("%(value)s is not a domain name.") % {"value": value[:100]}
        if not DOMAIN.match(domain):
            return _("%(value)s is not a domain name.") % {"value": value[:100]}
        if domain in SHARED_DOMAINS:
            return _(
                "%(value)s is shared by many people and cannot stand for a company: "
                "declare the authors' addresses instead."
            ) % {"value": domain}
        item = Declared(IdentityKind.DOMAIN, gitlog.identity_hash("domain", domain), domain)
    elif "@" in value:
        email = gitlog.normal_email(value)
        if len(email) > 254 or not gitlog.email_domain(email):
            return _("%(value)s is not an e-mail address.") % {"value": value[:100]}
        item = Declared(IdentityKind.EMAIL, gitlog.identity_hash("email", email), mask_email(email))
    else:
        name = gitlog.normal_name(value)
        if len(name) > 200:
            return _("An author name has at most 200 characters.")
        item = Declared(IdentityKind.NAME, gitlog.identity_hash("name", name), mask_name(name))
    found[item.value_hash] = item
    return ""


async def _admin_domains(vendor: Vendor) -> set[str]:
    emails = await User.filter(organisation_id=vendor.organisation_id, is_active=True).values_list(
        "email", "roles"
    )
    return {
        gitlog.email_domain(str(email).lower())
        for email, roles in emails
        if "vendor_admin" in (roles or [])
    }


def _may_declare(user: User, vendor: Vendor) -> None:
    if not (user.has_role("vendor_admin") and user.organisation_id == vendor.organisation_id):
        raise NotVendorAdmin(_("Only an administrator of this vendor may declare its identities."))


async def get_vendor(vendor_id: int) -> Vendor:
    vendor = await Vendor.get_or_none(id=vendor_id) if 0 < vendor_id < 2**31 else None
    if vendor is None:
        raise NotFound(_("No such vendor."))
    return vendor


async def declare_identities(
    vendor_id: int,
    data: IdentitiesDeclare,
    *,
    actor: User,
    address: str = "",
    keep: Iterable[int] = (),
) -> list[VendorIdentity]:
    """Replace the vendor's declared identities. A domain of one of the vendor's admins' own
    e-mail addresses is confirmed at once, as is an author address at such a domain; the rest
    wait for the secretariat. Identities kept from before keep their state, as do those in
    `keep` (ids: a form cannot show an author's address again, only its hash is stored)."""
    vendor = await get_vendor(vendor_id)
    _may_declare(actor, vendor)
    declared = _parse_identities(data)
    own = await _admin_domains(vendor)
    async with transaction():
        existing = {i.value_hash: i for i in await VendorIdentity.filter(vendor_id=vendor.id)}
        before = sorted(f"{i.kind}:{i.label}:{i.status}" for i in existing.values())
        kept = {int(i) for i in keep}
        wanted = {d.value_hash for d in declared} | {
            i.value_hash for i in existing.values() if i.id in kept
        }
        await VendorIdentity.filter(vendor_id=vendor.id, value_hash__not_in=list(wanted)).delete()
        for item in declared:
            if item.value_hash in existing:
                continue
            at_once = (item.kind == IdentityKind.DOMAIN and item.label in own) or (
                item.kind == IdentityKind.EMAIL and gitlog.email_domain(item.label) in own
            )
            await _create_identity(vendor, item, actor if at_once else None)
        rows = list(await VendorIdentity.filter(vendor_id=vendor.id))
        await record(
            "contributions.identities_declared",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            before={"identities": before},
            after={"identities": sorted(f"{i.kind}:{i.label}:{i.status}" for i in rows)},
            address=address,
        )
        await after_commit("rebuild_contributions", vendor.id)
    return rows


async def _create_identity(vendor: Vendor, item: Declared, confirmer: User | None) -> None:
    now = clock.now() if confirmer else None
    try:
        async with transaction():
            await VendorIdentity.create(
                vendor_id=vendor.id,
                kind=item.kind,
                value_hash=item.value_hash,
                label=item.label,
                confirmed_at=now,
                confirmed_by_id=confirmer.id if confirmer else None,
                confirmed_key=item.value_hash if confirmer else None,
            )
    except IntegrityError:
        if confirmer is None:
            raise
        # Another vendor already holds it: it waits for the secretariat instead.
        await VendorIdentity.create(
            vendor_id=vendor.id, kind=item.kind, value_hash=item.value_hash, label=item.label
        )


async def confirm_identities(
    vendor_id: int, identity_ids: Iterable[int] | None = None, *, actor: User, address: str = ""
) -> list[VendorIdentity]:
    """The secretariat confirms the vendor's pending identities (all, or the given ones).

    An identity another vendor already holds is refused with `Conflict`."""
    vendor = await get_vendor(vendor_id)
    wanted = None if identity_ids is None else {int(i) for i in identity_ids}
    async with transaction():
        pending = await VendorIdentity.filter(vendor_id=vendor.id, confirmed_at__isnull=True)
        chosen = [i for i in pending if wanted is None or i.id in wanted]
        if wanted is not None and len(chosen) != len(wanted):
            raise ValidationFailed(
                _("Check the identities."), {"ids": _("Choose pending identities of this vendor.")}
            )
        for identity in chosen:
            identity.confirmed_at = clock.now()
            identity.confirmed_by_id = actor.id
            identity.confirmed_key = identity.value_hash
            try:
                async with transaction():
                    await identity.save()
            except IntegrityError as exc:
                raise AlreadyExists(
                    _("%(label)s is already confirmed for another vendor.")
                    % {"label": identity.label}
                ) from exc
        await record(
            "contributions.identities_confirmed",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            after={"confirmed": sorted(f"{i.kind}:{i.label}" for i in chosen)},
            address=address,
        )
        await after_commit("rebuild_contributions", vendor.id)
    return list(await VendorIdentity.filter(vendor_id=vendor.id))


async def identities_of(vendor_id: int) -> list[VendorIdentity]:
    return list(await VendorIdentity.filter(vendor_id=vendor_id))


async def pending_identities() -> list[VendorIdentity]:
    return list(
        await VendorIdentity.filter(confirmed_at__isnull=True)
        .select_related("vendor")
        .order_by("vendor__name", "kind", "label")
    )


async def sources() -> list[ContributionSource]:
    return list(
        await ContributionSource.all().select_related("solution").order_by("solution__name")
    )
