"""lettre: the weekly newsletter of a communication cell, from YAML and Markdown."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lettre")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
