"""The wheel as a user installs it: built, installed into a fresh virtualenv outside the
checkout, migrated and served, it renders pages and serves static files.

The fresh environment takes the wheel without its dependencies and reads those from the
development environment (a path file appended to its site-packages), so the test needs no
network and still proves that the package itself carries every file it reads at run time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live import ROOT, free_port

pytestmark = pytest.mark.slow


def _run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(part) for part in command], check=True, capture_output=True, text=True, **kwargs
    )


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers.get("content-type", ""), answer.read()


def test_the_installed_wheel_migrates_and_serves_pages_and_static_files(tmp_path: Path) -> None:
    if not (ROOT / "market" / "static" / "vendor" / ".built").exists():
        pytest.skip("the design system is not built (make assets)")
    wheels = tmp_path / "wheels"
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", wheels, ROOT,
    )  # fmt: skip
    (wheel,) = wheels.glob("partner_market-*.whl")

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
    # The dependencies come after the venv's own packages, so its `market` is the one found.
    dependencies = sysconfig.get_path("purelib")
    (Path(site.strip()) / "zz_dependencies.pth").write_text(dependencies + "\n")

    work = tmp_path / "work"
    work.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTHONPATH", "MARKET_VAR_DIR"}
    }
    env.update(ARGON2_PROFILE="fast", MARKET_ENV="development")
    market = venv / "bin" / "market"
    located = _run(python, "-c", "import market; print(market.__file__)", cwd=work, env=env)
    assert located.stdout.startswith(str(venv)), located.stdout
    assert _run(market, "--version", cwd=work, env=env).stdout.strip() == "market, version 0.1.0"
    _run(market, "migrate", cwd=work, env=env)
    assert (work / "var" / "market.sqlite3").exists()  # ./var, not site-packages

    port = free_port()
    server = subprocess.Popen(
        [str(market), "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        status, kind, body = _get(f"{base}/conduct")
        assert status == 200 and kind.startswith("text/html")
        assert "Code of Conduct" in body.decode() or "Adfærdskodeks" in body.decode()
        status, kind, body = _get(f"{base}/static/vendor/dkfds/css/dkfds.min.css")
        assert status == 200 and kind.startswith("text/css") and len(body) > 10_000
        status, kind, _ = _get(f"{base}/static/market.css")
        assert status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode(errors="replace")
    assert "Traceback" not in output, output[-5000:]
