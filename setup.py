"""Build hook: the top-level templates/ folder ships inside the package as market/templates,
and each translation catalogue (market/locale/<lang>/LC_MESSAGES/messages.po) is compiled to
the messages.mo the app reads.

Everything else about the project is in pyproject.toml. In a checkout the app reads
templates/ where it is; an installed wheel reads the copy (see market.templating.TEMPLATE_DIR).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            self.copy_tree(
                str(HERE / "templates"), str(Path(self.build_lib) / "market" / "templates")
            )
        self._compile_catalogues()

    def _compile_catalogues(self) -> None:
        from babel.messages.mofile import write_mo  # Babel is a build requirement
        from babel.messages.pofile import read_po

        target = Path(self.build_lib if not self.editable_mode else HERE)
        for po in (HERE / "market" / "locale").glob("*/LC_MESSAGES/messages.po"):
            mo = target / po.relative_to(HERE).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as handle:
                catalogue = read_po(handle, locale=po.parts[-3])
            with mo.open("wb") as handle:
                write_mo(handle, catalogue)


setup(cmdclass={"build_py": BuildWithTemplates})
