"""gunicorn's access log, with phone numbers masked.

The OTP APIs may carry a number in the path (``/v2/.../Verifications/+62...``)
or the query (``/sandbox/outbox?to=%2B62...``); gunicorn would print it whole.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from app.logs import mask_numbers

_MASKED_ATOMS = ("r", "U", "q", "f")


class MaskingLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in _MASKED_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = mask_numbers(atoms[name])
        return atoms
