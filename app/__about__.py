"""Sandi's version: the one place it is written.

pyproject.toml reads it (``dynamic = ["version"]``), so the wheel, ``sandi --version``,
``/healthz`` and the ``sandi_build_info`` metric always agree.
"""

__version__ = "0.1.0"

#: The distribution's name on package indexes (``sandi`` belongs to another project).
DISTRIBUTION = "sandi-chat"
