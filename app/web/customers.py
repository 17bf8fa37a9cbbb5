"""``/v1/customers/<customer>``: see (GET) or erase (DELETE) one customer's data.

For an operator's back office answering a customer's request under the PDP
law. Needs an API key with the ``admin`` scope (``sandi api-keys create NAME
--scope admin``): an ordinary OTP key can send codes, not read what Sandi
holds about people. ``<customer>`` is a number (``+62812...``, ``62812...``,
``0812...``, ``whatsapp:+62...``) or an e-mail address.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.store.turns import LockTimeout, LostLock
from app.web.auth import bearer_key
from app.web.current import services
from app.web.errors import json_error
from app.wiring.customers import NotACustomer, normalise

bp = Blueprint("customers", __name__, url_prefix="/v1/customers")

ADMIN = "admin"


@bp.before_request
def _check_key() -> tuple[Response, int] | None:
    key = bearer_key()
    if key is None:
        response, status = json_error(
            401, "unauthorized", "a valid 'Authorization: Bearer <key>' is required"
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="sandi"'
        return response, status
    if not key.allows(ADMIN):
        return json_error(
            403,
            "forbidden",
            "this API key has no admin scope (sandi api-keys create --scope admin)",
        )
    return None


def _actor() -> str:
    key = bearer_key()
    return f"api:{key.sid}" if key is not None else "api"


@bp.errorhandler(NotACustomer)
def _not_a_customer(err: NotACustomer) -> tuple[Response, int]:
    return json_error(400, "invalid_customer", f"customer: {err}")


@bp.errorhandler(LockTimeout)
@bp.errorhandler(LostLock)
def _busy(err: Exception) -> tuple[Response, int]:
    return json_error(
        503, "busy", "the customer's conversation stayed busy; nothing erased, try again"
    )


@bp.get("/<customer>")
def export(customer: str) -> Response:
    return jsonify(services().customers.export(normalise(customer), _actor()))


@bp.delete("/<customer>")
def forget(customer: str) -> Response:
    return jsonify(services().customers.forget(normalise(customer), _actor()))
