"""Every visible string has a Danish translation (Danish is the default language), kept in
one catalogue with Babel's tools and read compiled."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

from market.i18n import LOCALE_DIR, catalogue, gettext, ngettext, set_language

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "da" / "LC_MESSAGES" / "messages.po"


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _extracted() -> list:
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
            return [m for m in read_po(handle) if m.id]


def test_every_extracted_message_has_a_danish_translation() -> None:
    # `catalogue` reads the compiled messages.mo: a string missing from messages.po, or there
    # without a translation (or fuzzy), is missing here.
    danish = catalogue("da")
    missing = []
    for message in _extracted():
        if _key(message.id) not in danish:
            locations = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            missing.append(f"{_key(message.id)!r} ({locations})")
    assert not missing, (
        "strings without a Danish translation (run `make messages`, translate them in "
        f"{PO.relative_to(ROOT)}):\n" + "\n".join(missing)
    )


def test_the_catalogue_holds_only_strings_the_code_uses() -> None:
    used = {_key(m.id) for m in _extracted()}
    with PO.open("rb") as handle:
        catalogue_file = read_po(handle, locale="da")
    unused = sorted(_key(m.id) for m in catalogue_file if m.id and _key(m.id) not in used)
    assert not unused, "unused entries in messages.po (run `make messages`):\n" + "\n".join(unused)
    assert not catalogue_file.obsolete
    assert [p.name for p in PO.parent.glob("*.po")] == ["messages.po"]


def test_the_compiled_catalogue_translates_singular_and_plural() -> None:
    set_language("da")
    try:
        assert gettext("Bids") == "Tilbud"
        assert ngettext("%(num)d vendor partner", "%(num)d vendor partners", 1) == (
            "%(num)d leverandørpartner"
        )
        assert ngettext("%(num)d vendor partner", "%(num)d vendor partners", 2) == (
            "%(num)d leverandørpartnere"
        )
        assert gettext("no string like this") == "no string like this"
    finally:
        set_language("da")
    set_language("en")
    assert gettext("Bids") == "Bids"
    set_language("da")
