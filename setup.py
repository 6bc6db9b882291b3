"""Build hook: the top-level templates/ folder ships inside the package as market/templates.

Everything else about the project is in pyproject.toml. In a checkout the app reads
templates/ where it is; an installed wheel reads the copy (see market.web.TEMPLATE_DIR).
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


setup(cmdclass={"build_py": BuildWithTemplates})
