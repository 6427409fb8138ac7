"""lettre: the weekly newsletter of a communication cell, from YAML and Markdown."""

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here): a literal, so
that finding it costs no package metadata lookup on a no-op build."""
