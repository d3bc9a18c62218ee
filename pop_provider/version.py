"""The installed version of pop-provider, importing nothing of the package.

The plugin (pop_provider.native) reports it at every start, and must not pay for, or depend on,
the dynamic face and the program side that the package root offers a Pulumi program.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    # One version, stated once (pyproject.toml); the installed metadata is where it lives.
    __version__ = version("pop-provider")
except PackageNotFoundError:  # a bare checkout on sys.path, never installed
    __version__ = "0+unknown"
