"""Offline OCDS tooling for the tests: libcoveocds and ocdskit with the standard from
../shared and the declared extensions from tests/data/ocds_extensions (no network)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3 import HTTPResponse

from market.opendata import ocds

ROOT = Path(__file__).resolve().parents[1]
STANDARD_ZIP = ROOT.parent / "shared/data/ocds/standard-1__1__5.zip"
EXTENSIONS = ROOT / "tests/data/ocds_extensions"


GITHUB = "https://github.com/open-contracting-extensions/"


def _zipped(name: str) -> bytes:
    """The extension's folder as GitHub's archive of a branch: files under "<name>-master/"."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{name}-master/", "")
        for path in sorted((EXTENSIONS / name).rglob("*")):
            if path.is_file():
                archive.write(path, f"{name}-master/{path.relative_to(EXTENSIONS / name)}")
    return buffer.getvalue()


class _LocalExtensions(BaseAdapter):
    """Answers the declared extensions' URLs from tests/data/ocds_extensions (no network):
    the files themselves, and the branch archive the registry library prefers."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.url = request.url
        response.request = request
        response.status_code, response._content = 404, b""
        if request.url.startswith(GITHUB) and request.url.endswith("/archive/master.zip"):
            name = request.url.removeprefix(GITHUB).split("/")[0]
            if (EXTENSIONS / name).is_dir():
                response.status_code, response._content = 200, _zipped(name)
        else:
            path = request.url.removeprefix(ocds.EXTENSION_BASE + "/")
            name, _, rest = path.partition("/master/")
            local = EXTENSIONS / name / rest
            if local.is_file():
                response.status_code, response._content = 200, local.read_bytes()
        response.raw = HTTPResponse(
            body=io.BytesIO(response._content),
            status=response.status_code,
            preload_content=False,
            request_url=request.url,
        )
        return response

    def close(self) -> None:
        pass


class _StandardFromZip:
    """Stands in for `requests` inside jsonref: the record package schema refers to the
    versioned release schema by its URL, which is answered from the standard's zip."""

    PREFIX = "https://standard.open-contracting.org/schema/1__1__5/"

    @dataclass
    class _Answer:
        text: str

        def json(self, **kwargs: Any) -> Any:
            return json.loads(self.text, **kwargs)

        def raise_for_status(self) -> None:
            pass

    def get(self, uri: str, *args: Any, **kwargs: Any) -> _StandardFromZip._Answer:
        assert uri.startswith(self.PREFIX), uri
        with zipfile.ZipFile(STANDARD_ZIP) as archive:
            member = f"standard-1__1__5/schema/{uri.removeprefix(self.PREFIX)}"
            return self._Answer(archive.read(member).decode())


@pytest.fixture
def offline_ocds(monkeypatch) -> Iterator[None]:
    if not STANDARD_ZIP.exists():
        pytest.skip(f"the OCDS standard is not at {STANDARD_ZIP} (../shared is absent)")
    import jsonref
    from ocdsextensionregistry import util

    monkeypatch.setattr(jsonref, "requests", _StandardFromZip())

    adapters = dict(util.session.adapters)
    util.session.mount(ocds.EXTENSION_BASE + "/", _LocalExtensions())
    util.session.mount(GITHUB, _LocalExtensions())
    try:
        yield
    finally:
        util.session.adapters.clear()
        util.session.adapters.update(adapters)


def cove(package: dict[str, Any]) -> dict[str, Any]:
    """What libcoveocds finds: errors, additional fields, codelist values, checks."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = STANDARD_ZIP.as_uri()
    result = ocds_json_output(
        json_data=json.loads(json.dumps(package)), lib_cove_ocds_config=config
    )
    keys = (
        "validation_errors",
        "additional_fields",
        "additional_closed_codelist_values",
        "additional_checks",
        "json_deref_error",
        "structure_errors",
    )
    found = {k: result[k] for k in keys if result.get(k)}
    extensions = result.get("extensions") or {}
    if extensions.get("invalid_extension"):
        found["invalid_extension"] = extensions["invalid_extension"]
    return found


def ocdskit_compile(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Compile the release package as a consumer would: ocdskit with the patched schema."""
    from ocdsextensionregistry import ProfileBuilder
    from ocdskit.combine import merge

    builder = ProfileBuilder(
        "1__1__5", package["extensions"], standard_base_url=STANDARD_ZIP.as_uri()
    )
    schema = builder.patched_release_schema()
    compiled = merge([json.loads(json.dumps(package))], schema=schema)
    return {release["ocid"]: release for release in compiled}
