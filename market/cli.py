"""The `market` command: serve, worker, migrate, create-user, demo, ..."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import uvicorn
from arq.worker import async_check_health, run_worker
from tortoise import Tortoise
from tqdm import tqdm
from uvicorn.supervisors import ChangeReload, Multiprocess

from market import __version__, jobs, logs, urls
from market.accounts import services as accounts
from market.accounts.models import ROLES
from market.backup import BackupError, backup, restore
from market.competencies.services import seed_taxonomy
from market.conduct.services import seed_if_migrated
from market.contributions import services as contributions
from market.db import apply_migrations, is_sqlite, migration_changes, tortoise_config
from market.demo import load_demo
from market.demo.scale import load_scale
from market.errors import DomainError
from market.privacy import retention
from market.routes import routes
from market.security import passwords
from market.settings import Settings
from market.solutions import services as solutions
from market.solutions.jira import EncodingUnknown, decode_export, import_jira, read_rows

T = TypeVar("T")
# Seconds a `serve --workers N` worker may take to answer the supervisor before it is replaced.
WORKER_HEALTHCHECK_SECONDS = 30


def _run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    async def wrapper() -> T:
        return await coro_factory()

    return asyncio.run(wrapper())


async def _with_orm(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    # Mail written by the command links to pages by route name.
    urls.configure(routes)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def _share_metrics(settings: Settings) -> None:
    """prometheus-client's multiprocess mode: every process writes its samples under one
    directory, named in the environment before any process imports the library. It is not
    wiped at start: the web processes and the worker start in any order, and the counters of
    processes that are gone only keep the totals counting. (market.metrics imports the
    library at the first use of a metric, after this.)"""
    directory = settings.metrics_dir or settings.var_dir / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(directory))


@click.group()
@click.version_option(__version__, prog_name="market")
def main() -> None:
    """Partner Market: the vendor-partner marketplace of the OS2 community."""


def proxy_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For is believed only from the proxies TRUSTED_PROXIES names (none by
    default): otherwise anyone could pick the address the per-address limits count."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn processes")
@click.option("--reload", is_flag=True, help="restart on code changes (development)")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the web app (jobs run in-process unless REDIS_URL is set)."""
    settings = Settings.from_env()
    _share_metrics(settings)
    config = uvicorn.Config(
        "market.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        **proxy_options(settings),
        log_config=logs.log_config(settings),
        access_log=False,
        # uvicorn's default of 5 s killed and respawned workers every 5 s on a loaded 2-core
        # machine (a new worker imports the app and scikit-learn before it answers), which
        # added the load that made the next one late too. A hung worker is still replaced.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    if reload or workers <= 1:
        server = uvicorn.Server(config)
        if reload:
            sock = config.bind_socket()
            ChangeReload(config, target=server.run, sockets=[sock]).run()
        else:
            server.run()
        return
    # The workers share a socket bound here. Python's asyncio only sets TCP_NODELAY on sockets
    # created with IPPROTO_TCP, which this one is not, so each keep-alive answer after the first
    # waited ~40 ms for the client's delayed ACK (Nagle). Accepted sockets inherit the option.
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


@main.command()
@click.option("--burst", is_flag=True, help="run the queued jobs, then stop")
@click.option(
    "--check", is_flag=True, help="exit 0 if a worker is alive (its health key is fresh), else 1"
)
def worker(burst: bool, check: bool) -> None:
    """Run a real arq worker (needs REDIS_URL)."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process.")
    logs.configure(settings)
    # Its job figures join the web processes' /metrics; set before a job runs.
    _share_metrics(settings)
    if check:  # the container health check
        sys.exit(
            asyncio.run(async_check_health(jobs.redis_settings(settings), None, settings.arq_queue))
        )

    urls.configure(routes)  # the mail jobs write links from route names
    run_worker(
        jobs.WorkerSettings,  # type: ignore[arg-type]
        redis_settings=jobs.redis_settings(settings),
        queue_name=settings.arq_queue,
        burst=burst,
        job_timeout=settings.job_timeout_seconds,
    )


@main.command()
def migrate() -> None:
    """Apply the database migrations."""
    settings = Settings.from_env()
    _run(lambda: apply_migrations(settings))
    _run(lambda: _with_orm(settings, seed_if_migrated))  # Code of Conduct version 1
    click.echo("migrations applied")


@main.command()
@click.option("--name", default=None, help="name of the new migration")
@click.option("--check", is_flag=True, help="only report; exit 1 when models and migrations drift")
def makemigrations(name: str | None, check: bool) -> None:
    """Write a migration for model changes (or --check that there are none)."""
    settings = Settings.from_env()
    written = _run(lambda: migration_changes(settings, write=not check, name=name))
    if check and written:
        click.echo("models and migrations differ: run `market makemigrations`", err=True)
        sys.exit(1)
    click.echo("\n".join(written) if written else "no changes")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--role", "roles", required=True, multiple=True, help="may be repeated")
@click.option("--organisation", default=None, help="municipality name, full name or code")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--language", default="da", type=click.Choice(["da", "en"]))
def create_user(
    email: str,
    roles: tuple[str, ...],
    organisation: str | None,
    name: str,
    password_stdin: bool,
    language: str,
) -> None:
    """Create a staff user (vendors register themselves)."""
    for role in roles:
        if role not in ROLES:
            raise click.BadParameter(
                f"unknown role {role!r}; one of {', '.join(ROLES)}", param_hint="--role"
            )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)

    async def work() -> Any:
        await accounts.seed_organisations()
        if organisation:
            org = await accounts.find_organisation(organisation)
            if org is None:
                raise click.ClickException(f"no organisation called {organisation!r}")
        elif set(roles) - {"secretariat"}:
            raise click.ClickException(
                "--organisation is required for the roles municipality, coordinator and "
                "vendor roles (e.g. --organisation Syddjurs)"
            )
        else:
            org = await accounts.secretariat()
        try:
            return await accounts.create_user(
                email=email,
                password=password,
                roles=list(roles),
                organisation=org,
                name=name,
                language=language,
            )
        except DomainError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise click.ClickException(f"{exc.message} {details}".strip()) from exc

    user = _run(lambda: _with_orm(settings, work))
    click.echo(f"created {user.email} ({', '.join(user.roles)})")


@main.command()
@click.option("--if-empty", is_flag=True, help="only when the database has no users yet")
@click.option("--vendors", type=int, default=0, help="scale test: add this many vendors")
@click.option("--tasks", type=int, default=0, help="scale test: add this many tasks")
def demo(if_empty: bool, vendors: int, tasks: int) -> None:
    """Load the demo data and print the demo users and passwords."""
    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)

    async def work() -> list[str]:
        # The demo's jobs (mail, shortlists) run here, in-process, once the data is in.
        runner = jobs.InlineRunner(settings, autostart=False)
        jobs.install(runner)
        try:
            loaded = await load_demo(if_empty=if_empty)
            await runner.drain()
            if vendors or tasks:
                loaded += await load_scale(vendors, tasks)
        finally:
            jobs.install(None)
        return loaded

    lines = _run(lambda: _with_orm(settings, work))
    for line in lines:
        click.echo(line)


@main.command("seed-taxonomy")
def seed_taxonomy_command() -> None:
    """Add the competency taxonomy's missing codes (CPV, OS2 products, technologies, ...)."""
    settings = Settings.from_env()
    created = _run(lambda: _with_orm(settings, seed_taxonomy))
    click.echo(f"competency taxonomy: {created} codes added")


@main.command("retention")
@click.option("--dry-run", is_flag=True, help="only say what would be deleted or anonymised")
def retention_command(dry_run: bool) -> None:
    """Delete or anonymise personal data past its retention period (the daily job)."""
    settings = Settings.from_env()
    work = retention.plan if dry_run else retention.run
    outcomes = _run(lambda: _with_orm(settings, work))
    verb = "would go" if dry_run else "went"
    for o in outcomes:
        kept = f", {o.kept} kept" if o.kept else ""
        click.echo(f"{o.key}: {o.count} {verb} (older than {o.days} days{kept})")


@main.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="file to write (default: var/backups/market-<time>.<ext>)",
)
def backup_command(output: Path | None) -> None:
    """Back up the database (pg_dump for PostgreSQL, the backup API for SQLite)."""
    settings = Settings.from_env()
    if output is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        ext = "sqlite3" if is_sqlite(settings.database_url) else "pgdump"
        output = settings.var_dir / "backups" / f"market-{stamp}.{ext}"
    try:
        written = backup(settings.database_url, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {written}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask before replacing the database")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's content with a backup made by `market backup`."""
    settings = Settings.from_env()
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    try:
        restore(settings.database_url, source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {source}")


@main.command("import-jira")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--solution", "solution_name", required=True, help="e.g. OS2kitos")
@click.option(
    "--encoding",
    default=None,
    help="the file's encoding when it is not UTF-8 or UTF-16 (e.g. cp1252, latin-1)",
)
def import_jira_command(file: Path, solution_name: str, encoding: str | None) -> None:
    """Import wishes from a Jira CSV export (re-importing updates, never duplicates)."""
    settings = Settings.from_env()
    try:
        text = decode_export(file.read_bytes(), encoding)
    except EncodingUnknown as exc:
        raise click.ClickException(
            f"{file.name}: {exc}. Export it from Jira as CSV in UTF-8, or name its encoding "
            "with --encoding (e.g. --encoding cp1252)."
        ) from exc
    _header, rows = read_rows(text)

    async def work() -> Any:
        await solutions.seed_solutions()
        solution = await solutions.get_solution_by_name(solution_name)
        if solution is None:
            raise click.ClickException(f"no solution called {solution_name!r}")
        with tqdm(total=len(rows), unit="row", desc=f"{solution.name}") as bar:
            try:
                return await import_jira(solution, text, progress=bar.update)
            except DomainError as exc:
                raise click.ClickException(exc.message) from exc

    report = _run(lambda: _with_orm(settings, work))
    click.echo(
        f"created {len(report.created)}, updated {len(report.updated)}, "
        f"unchanged {len(report.unchanged)}, rejected {len(report.rejected)}"
    )
    for row, reason in report.rejected:
        click.echo(f"  row {row}: {reason}")


@main.command("import-commits")
@click.argument("location")
@click.option("--solution", "solution_name", required=True, help="e.g. OS2kitos")
def import_commits_command(location: str, solution_name: str) -> None:
    """Import a product's git history (a local clone or a git URL); only new commits are read."""
    settings = Settings.from_env()

    async def work() -> Any:
        await solutions.seed_solutions()
        solution = await contributions.get_solution_by_name(solution_name)
        if solution is None:
            raise click.ClickException(f"no solution called {solution_name!r}")
        with tqdm(unit="commit", desc=solution.name, file=sys.stderr) as bar:
            try:
                return await contributions.import_commits(
                    solution,
                    location,
                    var_dir=settings.var_dir,
                    progress=bar.update,
                    on_total=lambda total: setattr(bar, "total", total),
                )
            except contributions.ImportFailed as exc:
                raise click.ClickException(exc.message) from exc

    report = _run(lambda: _with_orm(settings, work))
    for line in report.lines():
        click.echo(line)


if __name__ == "__main__":  # pragma: no cover
    main()
