"""Exceptions of opsrca. The CLI turns every ``OpsrcaError`` into a one-line message."""

from __future__ import annotations


class OpsrcaError(Exception):
    """Base class: a problem the user can act on; the message says what to do next."""


class InputError(OpsrcaError):
    """An input file or value cannot be used (missing, unreadable, wrong shape)."""


class ConfigError(OpsrcaError):
    """A data file shipped with opsrca or given by the user (rules, aliases, taxonomy) is invalid."""


class ModelError(OpsrcaError):
    """A model folder is missing, corrupted, or was written by an incompatible version."""


class DatabaseError(OpsrcaError):
    """The DuckDB database cannot be opened or does not have the expected tables."""
