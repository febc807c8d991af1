"""The package layout, which pyproject.toml cannot express: the ``plugins/`` folder installs as
the import package ``govspider_plugins`` (a name no other distribution claims), the framework
as ``govspider``. Everything else about the project is in ``pyproject.toml``."""

from setuptools import find_packages, setup

PLUGINS = "govspider_plugins"

setup(
    packages=find_packages(include=["govspider", "govspider.*"])
    + [PLUGINS] + [f"{PLUGINS}.{name}" for name in find_packages("plugins")],
    package_dir={PLUGINS: "plugins"},
)
