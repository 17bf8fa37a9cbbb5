"""``/v2``: Twilio Verify's REST API over Sandi's one OTP service.

An app built on an official Twilio SDK switches to Sandi by pointing the SDK's
Verify base URL here: the same form-encoded requests, HTTP Basic auth with an
API key, the same JSON resources and the same error codes. The views are thin:
each turns form parameters into one :class:`app.otp.service.OtpService` call,
so limits, hashing, fallback and logging are those of ``/v1`` and the chat
flows, and a verification started here can be checked there and back.

A *service* (``VA...``) is a named set of settings: its friendly name (shown
in the messages), its code length and the OTP *purpose* its verifications use
(``verify`` unless created with Sandi's extra ``Purpose`` parameter). As on
Twilio, each service's verifications are its own: two services on one number
never see each other's pending verification or approve each other's code, and
``/v1`` (a namespace of its own) reaches them only by their ``VE`` id.
"""

from __future__ import annotations

import contextlib
import logging
import re

from flask import Blueprint, Response, g, jsonify, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException

from app.logs import mask_numbers
from app.otp.errors import OtpError
from app.otp.model import APPROVED, CANCELED, EXPIRED, Verification
from app.store.verify_services import TooManyServices, VerifyService
from app.web import openapi_v2
from app.web import verify_v2_json as render
from app.web import verify_v2_params as params
from app.web import verify_v2_settings as v2_settings
from app.web.auth import basic_key
from app.web.current import services
from app.web.verify_v2_errors import TwilioError, from_otp, invalid, not_found

log = logging.getLogger(__name__)

bp = Blueprint("verify_v2", __name__, url_prefix="/v2")

VERIFICATION_SID = re.compile(r"^VE[0-9a-fA-F]{32}$")
#: Parameters Sandi refuses rather than ignores: the code is always Sandi's own.
REFUSED = ("CustomCode", "CustomMessage")
#: Twilio "soft deletes" a verification once it is approved, canceled or expired:
#: fetching it then answers 20404, by SID as by ``To``.
ENDED = frozenset({APPROVED, CANCELED, EXPIRED})
_HTTP_CODES = {404: 20404, 405: 20004, 429: 20429, 503: 20503}


# -- auth and errors -----------------------------------------------------------


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """This API's OpenAPI document (needs no key, like ``/v1/openapi.json``)."""
    return jsonify(openapi_v2.document())


@bp.before_request
def require_key() -> None:
    if request.endpoint == "verify_v2.openapi_json":
        return
    if basic_key() is None:
        raise TwilioError(
            20003,
            401,
            "give an API key's SID and secret with HTTP Basic auth "
            "(for a key in SANDI_API_KEYS, any user name and the key)",
        )


@bp.errorhandler(TwilioError)
def twilio_error(err: TwilioError) -> tuple[Response, int]:
    return _answer(err)


@bp.errorhandler(OtpError)
def otp_error(err: OtpError) -> tuple[Response, int]:
    delivery_error = None
    if err.code == "delivery_failed" and err.verification_id:
        # The channel's own reason was recorded on the verification.
        with contextlib.suppress(OtpError):
            delivery_error = services().otp.get(err.verification_id).delivery.error_code
    return _answer(from_otp(err, delivery_error))


@bp.errorhandler(TooManyServices)
def too_many_services(err: TooManyServices) -> tuple[Response, int]:
    return _answer(TwilioError(60200, 400, str(err)))


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException) -> tuple[Response, int]:
    status = err.code or 400
    code = _HTTP_CODES.get(status, 60200 if status < 500 else 20503)
    return _answer(TwilioError(code, status, err.description or ""))


@bp.errorhandler(RedisConnectionError)
@bp.errorhandler(RedisTimeoutError)
def redis_down(err: Exception) -> tuple[Response, int]:
    log.error(
        "Redis unavailable: %s %s: %s",
        request.method,
        mask_numbers(request.path),
        type(err).__name__,
    )
    return _answer(TwilioError(20503, 503, "storage is unavailable, try again", retry_after=1))


def _answer(err: TwilioError) -> tuple[Response, int]:
    response = jsonify(err.body())
    if err.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Sandi"'
    if err.retry_after is not None and err.status in {429, 503}:
        response.headers["Retry-After"] = str(err.retry_after)
    if err.status >= 500 or err.status == 429:
        # The route, not the path: a path may carry a phone number (fetch by To).
        route = request.url_rule.rule if request.url_rule else bp.url_prefix
        log.warning("%s %s -> %d %d", request.method, route, err.status, err.code)
    return response, err.status


# -- services ------------------------------------------------------------------


@bp.post("/Services")
def create_service() -> tuple[Response, int]:
    form = request.form
    v2_settings.refuse_custom_codes()
    purpose = v2_settings.service_purpose(form.get("Purpose"), form.get("Psd2Enabled"), None)
    code_length = params.code_length(form.get("CodeLength"), purpose)
    name = params.service_name(
        params.required("FriendlyName"), "FriendlyName", purpose, code_length
    )
    service = services().verify_services.create(name, code_length, purpose, services().clock())
    return jsonify(_service_json(service)), 201


@bp.get("/Services")
def list_services() -> Response:
    size = params.whole(request.args.get("PageSize"), "PageSize", 50, 1, 1000)
    page = params.whole(request.args.get("Page"), "Page", 0, 0, 10**6)
    found = services().verify_services.list()
    items = [_service_json(s) for s in found[page * size : (page + 1) * size]]
    more = len(found) > (page + 1) * size
    return jsonify(render.services_page(items, base=_base(), page=page, size=size, more=more))


@bp.get("/Services/<sid>")
def fetch_service(sid: str) -> Response:
    return jsonify(_service_json(_service(sid)))


@bp.post("/Services/<sid>")
def update_service(sid: str) -> Response:
    service, form = _service(sid), request.form
    v2_settings.refuse_custom_codes()
    name = form.get("FriendlyName", service.friendly_name)
    purpose = v2_settings.service_purpose(
        form.get("Purpose"), form.get("Psd2Enabled"), service.purpose
    )
    length: int | None = service.code_length
    if form.get("CodeLength") is not None or purpose != service.purpose:
        raw = form.get("CodeLength", service.code_length)
        length = params.code_length(None if raw is None else str(raw), purpose)
    # The name must fit the wording of the service as it will be, not as it was.
    name = params.service_name(name, "FriendlyName", purpose, length)
    store = services().verify_services
    updated = store.update(
        service, services().clock(), friendly_name=name, purpose=purpose, code_length=length
    )
    return jsonify(_service_json(updated))


@bp.delete("/Services/<sid>")
def delete_service(sid: str) -> tuple[str, int]:
    """Its verifications stay until they expire, readable by id on ``/v1`` only."""
    services().verify_services.delete(_service(sid).sid)
    return "", 204


# -- verifications -------------------------------------------------------------


@bp.post("/Services/<sid>/Verifications")
def start(sid: str) -> tuple[Response, int]:
    service, form = _service(sid), request.form
    for name in REFUSED:
        if form.get(name) is not None:
            raise invalid(name, "is not supported: Sandi makes every code itself")
    channel = params.required("Channel")
    if channel == "sna":
        raise invalid("Channel", "sna (silent network auth) is not supported by Sandi")
    custom = form.get("CustomFriendlyName")
    brand = service.friendly_name
    if custom:
        brand = params.service_name(
            custom, "CustomFriendlyName", service.purpose, service.code_length
        )
    otp = services().otp
    started = otp.start(
        params.required("To"),
        channel,
        purpose=service.purpose,
        locale=params.locale(form.get("Locale"), otp.locales),
        client_ip=request.remote_addr,
        api_key=g.api_key.sid,
        amount=form.get("Amount"),
        payee=form.get("Payee"),
        digits=service.code_length,
        brand=brand,
        service=service.sid,
    )
    # Read back: the answer lists every send, resends included.
    return jsonify(_verification_json(otp.get(started.verification.id), service)), 201


@bp.get("/Services/<sid>/Verifications/<ref>")
def fetch(sid: str, ref: str) -> Response:
    """Pending (or locked after too many wrong codes) only: an ended one is gone."""
    service = _service(sid)
    verification = _verification(service, ref)
    if verification.status in ENDED:
        raise not_found(request.path)
    return jsonify(_verification_json(verification, service))


@bp.post("/Services/<sid>/Verifications/<ref>")
def update(sid: str, ref: str) -> Response:
    service = _service(sid)
    status = params.required("Status")
    if status == "approved":
        raise invalid(
            "Status",
            "approved is for custom codes, which Sandi does not offer; "
            "check the code the customer typed with VerificationCheck",
        )
    if status != "canceled":
        raise invalid("Status", "must be canceled")
    canceled = services().otp.cancel(_verification(service, ref).id)
    return jsonify(_verification_json(canceled, service))


@bp.post("/Services/<sid>/VerificationCheck")
def check(sid: str) -> Response:
    service, form = _service(sid), request.form
    code = params.required("Code")
    to, vsid = form.get("To") or None, form.get("VerificationSid") or None
    if (to is None) == (vsid is None):
        raise invalid("To", "give either To or VerificationSid")
    otp = services().otp
    result = otp.check(
        code=code,
        to=to,
        verification_id=vsid,
        purpose=service.purpose,
        amount=form.get("Amount"),
        payee=form.get("Payee"),
        service=service.sid,
    )
    verification = otp.get(result.id)
    return jsonify(
        render.check_json(result, verification, service_sid=service.sid, account=_account())
    )


@bp.route("/", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
@bp.route("/<path:rest>", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
def unknown(rest: str = "") -> Response:
    """Everything else Twilio Verify has (rate limits, templates, push...)."""
    raise not_found(request.path)


# -- helpers -------------------------------------------------------------------


def _service(sid: str) -> VerifyService:
    service = services().verify_services.get(sid) if sid.startswith("VA") else None
    if service is None:
        raise not_found(request.path)
    return service


def _verification(service: VerifyService, ref: str) -> Verification:
    """By SID, or by ``To`` (the one still open in this service): another
    service's verification is not there, as on Twilio."""
    otp = services().otp
    try:
        if VERIFICATION_SID.match(ref):
            v = otp.get(ref)
        else:
            v = otp.find(ref, service.purpose, service.sid)
    except OtpError as err:
        if err.code in {"not_found", "invalid_destination", "invalid_parameter"}:
            raise not_found(request.path) from None
        raise
    if (v.purpose, v.service) != (service.purpose, service.sid):
        raise not_found(request.path)
    return v


def _base() -> str:
    return services().settings.public_url or request.url_root.rstrip("/")


def _account() -> str:
    return render.account_sid(services().settings.secret_key)


def _service_json(service: VerifyService) -> dict[str, object]:
    policy = services().otp.settings.policy(service.purpose)
    return render.service_json(
        service,
        base=_base(),
        account=_account(),
        code_length=service.code_length or policy.digits,
        psd2=policy.binds_transaction,
    )


def _verification_json(v: Verification, service: VerifyService) -> dict[str, object]:
    return render.verification_json(v, service_sid=service.sid, base=_base(), account=_account())
