"""Every visible string has a Danish translation (Danish is the default language)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

from market.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_every_extracted_message_has_a_danish_translation() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "messages.pot"
        subprocess.run(
            [
                str(Path(sys.executable).parent / "pybabel"),
                "extract",
                "-F",
                str(ROOT / "babel.cfg"),
                "-k",
                "_l",
                "-o",
                str(pot),
                ".",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as handle:
            template = read_po(handle)
    danish = catalogue("da")
    missing = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key not in danish:
            locations = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            missing.append(f"{key!r} ({locations})")
    assert not missing, "strings without a Danish translation:\n" + "\n".join(missing)
