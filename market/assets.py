"""Static files, compressed and cached.

Pages link assets through `static_url()`, which adds a fingerprint of the file's content
(`/static/market.css?v=3f2a9c01be`): such a URL never changes its content, so browsers keep it
for a year without asking again. Other static URLs (fonts and images the design system's
stylesheet names) are kept for an hour and then revalidated with their ETag (a 304).
Text assets are sent gzip-compressed to clients that accept it, compressed once per file
version and kept in memory (the design system's 215 KB stylesheet becomes about 30 KB).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from market.settings import ROOT

STATIC_DIR = ROOT / "market" / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 1024
MAX_COMPRESS_BYTES = 8_000_000


@dataclass(frozen=True)
class _Compressed:
    mtime_ns: int
    size: int
    body: bytes


_fingerprints: dict[str, tuple[int, str]] = {}
_compressed: dict[str, _Compressed] = {}


def fingerprint(path: Path) -> str:
    """The first 10 hex digits of the file's SHA-256, recomputed when the file changes."""
    stat = path.stat()
    key = str(path)
    cached = _fingerprints.get(key)
    if cached is not None and cached[0] == stat.st_mtime_ns:
        return cached[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    _fingerprints[key] = (stat.st_mtime_ns, digest)
    return digest


def static_url(name: str) -> str:
    """The URL of a file under market/static, with its content's fingerprint."""
    path = STATIC_DIR / name
    try:
        return f"/static/{name}?v={fingerprint(path)}"
    except OSError:
        return f"/static/{name}"  # not built (yet): served as a 404 like any missing file


def _gzipped(path: Path, size: int, mtime_ns: int) -> bytes:
    key = str(path)
    cached = _compressed.get(key)
    if cached is None or cached.mtime_ns != mtime_ns or cached.size != size:
        cached = _Compressed(mtime_ns, size, gzip.compress(path.read_bytes(), 9, mtime=0))
        _compressed[key] = cached
    return cached.body


class AssetFiles(StaticFiles):
    """StaticFiles with cache headers by URL kind and gzip for text assets."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        query = scope.get("query_string", b"")
        versioned = query.startswith(b"v=") or b"&v=" in query
        response.headers["cache-control"] = IMMUTABLE if versioned else REVALIDATE
        response.headers["vary"] = "Accept-Encoding"
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        return self._maybe_compressed(Path(full_path), response, Headers(scope=scope))

    def _maybe_compressed(self, path: Path, response: FileResponse, request: Headers) -> Response:
        media_type = response.media_type or ""
        stat = path.stat()
        if (
            "gzip" not in request.get("accept-encoding", "")
            or not media_type.startswith(COMPRESSIBLE)
            or not MIN_COMPRESS_BYTES <= stat.st_size <= MAX_COMPRESS_BYTES
        ):
            return response
        etag = response.headers.get("etag", "").rstrip('"') + '-gzip"'
        headers = {
            key: value
            for key, value in response.headers.items()
            if key in ("cache-control", "last-modified")
        }
        headers.update(
            {"etag": etag, "vary": "Accept-Encoding", "content-encoding": "gzip"},
        )
        if etag in request.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = _gzipped(path, stat.st_size, stat.st_mtime_ns)
        return Response(body, media_type=response.media_type, headers=headers)


def gzipped(request_headers: Headers, response: Response) -> Response:
    """The response gzip-compressed when the client accepts it and it is worth it.

    Only for public data that carries no secret (the OCDS feeds, the CSV files): compressing
    pages that mix a secret with what a visitor typed would open them to BREACH.
    """
    response.headers["vary"] = "Accept-Encoding"
    body = bytes(response.body)
    if "gzip" not in request_headers.get("accept-encoding", "") or len(body) < MIN_COMPRESS_BYTES:
        return response
    packed = gzip.compress(body, 6, mtime=0)
    response.body = packed
    response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(packed))
    return response
