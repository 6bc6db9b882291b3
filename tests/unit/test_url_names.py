"""Pages, mail and redirects name their routes (url("tasks.detail", id=...)) instead of writing
paths: a path is written once, in market/routes.py. These scans fail before any page renders."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import NoMatchFound

from market import urls
from market.routes import routes

MARKET = Path(urls.__file__).resolve().parent
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = sorted(p for p in TEMPLATE_DIR.rglob("*") if p.suffix in (".html", ".txt"))

# Literal paths that may stay, as (template, path). Empty: every internal link has a route.
ALLOWED: set[tuple[str, str]] = set()

LINK_ATTRIBUTE = re.compile(r"\b(?:href|action|src|formaction)\s*=\s*\"([^\"]*)\"")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
PATH_STRING = re.compile(r"""(["'])(/[^"'\s]*)\1""")  # a quoted "/..." inside a Jinja tag
URL_CALL = re.compile(r"""\burl\(\s*(["'])([^"']+)\1""")
ROUTE_TABLE = re.compile(r"\{%-?\s*set\s+\w+_routes\s*=\s*(\{.*?\})\s*-?%\}", re.DOTALL)
# Calls whose arguments are where a browser is sent next; in views, any call's arguments (a
# view's own helper such as _action(request, run, message, target) redirects in the end).
TARGET_CALLS = {"redirect", "safe_next", "RedirectResponse", "flash_failure", "confirm_first"}
TARGET_KEYWORDS = {"url", "back", "default", "target", "next_url", "location"}


@pytest.fixture(scope="module", autouse=True)
def route_table() -> Iterator[None]:
    urls.configure(routes)
    yield


def _name(template: Path) -> str:
    return template.relative_to(TEMPLATE_DIR).as_posix()


def _literal_paths(template: Path) -> Iterator[str]:
    """Paths written out in a template: in a link attribute's text (outside {{ }}), quoted in a
    Jinja expression (e.g. pagination(..., "/tasks?")), or glued to a base URL in mail text."""
    text = template.read_text(encoding="utf-8")
    for match in LINK_ATTRIBUTE.finditer(text):
        for piece in JINJA.split(match.group(1)):
            if piece.startswith("/"):
                yield piece
    for tag in JINJA.findall(text):
        for match in PATH_STRING.finditer(tag):
            yield match.group(2)
    # {{ base_url }}/tasks/{{ id }} (not a fraction such as {{ done }}/{{ total }})
    for match in re.finditer(
        r"\}\}(/[a-z][\w./-]*)", JINJA.sub(lambda m: m.group(0)[:2] + "}}", text)
    ):
        yield match.group(1)


def test_no_template_writes_an_internal_path() -> None:
    found = [
        f"{_name(template)}: {path}"
        for template in TEMPLATES
        for path in _literal_paths(template)
        if (_name(template), path) not in ALLOWED
    ]
    assert not found, "use url('route.name', ...) instead of:\n" + "\n".join(found)


def test_no_script_of_ours_writes_an_internal_path() -> None:
    """Scripts read addresses from the page (data-*-url attributes written with url(...))."""
    scripts = [p for p in (MARKET / "static").glob("*.js")]
    found = [
        f"{script.name}: {match.group(0)}"
        for script in scripts
        for match in re.finditer(r"""["'`]/[a-z][^"'`]*["'`]""", script.read_text(encoding="utf-8"))
    ]
    assert scripts and not found, "pass the address in a data-*-url attribute:\n" + "\n".join(found)


def _route_names_in(template: Path) -> Iterator[str]:
    text = template.read_text(encoding="utf-8")
    for match in URL_CALL.finditer(text):
        yield match.group(2)
    for table in ROUTE_TABLE.finditer(text):  # {% set object_routes = {"task": "tasks.detail"} %}
        for match in re.finditer(r""":\s*(["'])([^"']+)\1""", table.group(1)):
            yield match.group(2)


def test_every_route_name_in_templates_exists() -> None:
    known = urls.names()
    used = {(name, _name(t)) for t in TEMPLATES for name in _route_names_in(t)}
    assert len(used) > 150  # the scan finds the calls
    unknown = sorted(f"{template}: url({name!r})" for name, template in used if name not in known)
    assert not unknown, "no route has these names (see market/routes.py):\n" + "\n".join(unknown)


def _is_path(node: ast.AST) -> bool:
    """A path written out: "/x", f"/x/{id}", "/x?" + query, `target or "/x"`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("/")
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _is_path(node.values[0])
    if isinstance(node, ast.BinOp):
        return _is_path(node.left)
    if isinstance(node, ast.BoolOp):
        return any(_is_path(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _is_path(node.body) or _is_path(node.orelse)
    return False


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _python_files() -> list[Path]:
    return sorted(p for p in MARKET.rglob("*.py") if "migrations" not in p.parts)


def test_no_redirect_in_market_writes_a_path() -> None:
    found = []
    for source in _python_files():
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _called(node) not in TARGET_CALLS and source.name != "views.py":
                continue
            targets = list(node.args) + [k.value for k in node.keywords if k.arg in TARGET_KEYWORDS]
            for target in targets:
                if _is_path(target):
                    where = f"{source.relative_to(MARKET.parent)}:{node.lineno}"
                    found.append(f"{where}: {ast.unparse(target)}")
    assert not found, "redirect to url('route.name', ...) instead of:\n" + "\n".join(found)


def test_every_route_name_in_python_exists() -> None:
    known = urls.names()
    unknown = []
    for source in _python_files():
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            # url("name", ...), request.url_for("name"), and a menu entry MenuItem(label, "name")
            at = {"url": 0, "url_for": 0, "url_path_for": 0, "MenuItem": 1}.get(_called(node))
            if at is None or len(node.args) <= at:
                continue
            name = node.args[at]
            value = name.value if isinstance(name, ast.Constant) else None
            if isinstance(value, str) and value not in known:
                unknown.append(f"{source.relative_to(MARKET.parent)}:{node.lineno}: {value}")
    assert not unknown, "no route has these names:\n" + "\n".join(unknown)


def test_url_fills_the_path_and_puts_the_rest_in_the_query_string() -> None:
    assert urls.url("home") == "/"
    assert urls.url("tasks.detail", id=7) == "/tasks/7"
    assert urls.url("tasks.detail", id=7, _anchor="questions") == "/tasks/7#questions"
    assert urls.url("bids.receipt", id=3, number=2) == "/bids/3/receipts/2"
    assert urls.url("tasks.list", status="open", page=2) == "/tasks?status=open&page=2"
    assert urls.url("tasks.list", status=None) == "/tasks"  # None is left out
    assert urls.url("accounts.login", next="/tasks/7?a=1&b=2") == (
        "/login?next=/tasks/7%3Fa%3D1%26b%3D2"
    )
    assert (
        urls.url("api.tasks.list", solution_id=[1, 2])
        == "/api/v1/tasks?solution_id=1&solution_id=2"
    )
    with pytest.raises(NoMatchFound):
        urls.url("tasks.nope")
    with pytest.raises(NoMatchFound):
        urls.url("tasks.detail")  # the path needs its id
