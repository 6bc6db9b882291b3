"""Static files as a browser gets them: fingerprinted URLs cached for a year, others
revalidated with their ETag, text assets gzip-compressed."""

from __future__ import annotations

import gzip
import os
import re

from market import assets
from market.assets import STATIC_DIR


async def test_pages_link_fingerprinted_assets_kept_for_a_year(client) -> None:
    page = await client.get("/")
    css = re.search(r'href="(/static/vendor/dkfds/css/dkfds\.min\.css\?v=[0-9a-f]{10})"', page.text)
    assert css, "the design system's stylesheet is linked with its fingerprint"
    answer = await client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["vary"] == "Accept-Encoding"
    original = (STATIC_DIR / "vendor/dkfds/css/dkfds.min.css").read_bytes()
    wire = int(answer.headers["content-length"])
    assert wire < len(original) / 4  # 215 KB becomes about 30 KB
    assert answer.content == original  # httpx decodes it: the same bytes arrive


async def test_a_changed_file_gets_a_new_url(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path)
    (tmp_path / "x.css").write_text("a{}")
    first = assets.static_url("x.css")
    (tmp_path / "x.css").write_text("b{}")
    os.utime(tmp_path / "x.css", ns=(1, 1))
    assert assets.static_url("x.css") != first


async def test_unversioned_files_are_revalidated_with_their_etag(client) -> None:
    url = "/static/market.css"
    first = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert first.headers["cache-control"] == "public, max-age=3600"
    again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_compressed_variant_has_its_own_etag_and_304(client) -> None:
    url = "/static/vendor/dkfds/js/dkfds.min.js"
    first = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["etag"].endswith('-gzip"')
    again = await client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(gzip.compress(plain.content)) == first.content
