"""``@twilio_signed``: the one guard in front of every view Twilio calls.

A request runs the view only when it is a well-formed form post that carries
a valid ``X-Twilio-Signature``. Otherwise it gets the 4xx here, and is
counted here, once, whichever view it was for: a malformed form in
``sandi_webhook_rejected_total`` (by reason), a bad signature in
``sandi_webhook_signature_failures_total``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec

from flask import Response, request
from werkzeug.datastructures import MultiDict

from app.logs import mask
from app.web.current import services
from app.web.twilio_request import Rejected, check_form_request, signature_ok

log = logging.getLogger(__name__)

P = ParamSpec("P")
#: A view that gets the checked form first, then its URL arguments.
SignedView = Callable[Concatenate[MultiDict[str, str], P], Response]


def twilio_signed(what: str) -> Callable[[SignedView[P]], Callable[P, Response]]:
    """Guard a view; ``what`` names its requests in the log ("webhook", "callback")."""

    def guard(view: SignedView[P]) -> Callable[P, Response]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> Response:
            s = services()
            req = request._get_current_object()  # type: ignore[attr-defined]  # not the proxy
            try:
                form = check_form_request(req)
            except Rejected as err:
                s.metrics.rejected.labels(err.reason).inc()
                log.warning(
                    "%s refused (%s): %s; From=%s",
                    what,
                    err.reason,
                    err,
                    mask(request.form.get("From")),
                )
                return Response(f"{err}\n", status=err.status, mimetype="text/plain")
            token, public_url = s.settings.webhook_auth_token, s.settings.public_url
            if not signature_ok(req, form, token, public_url):
                s.metrics.signature_failures.inc()
                log.warning(
                    "%s refused: bad or missing signature from %s", what, request.remote_addr
                )
                return Response("", status=403)
            return view(form, *args, **kwargs)

        return guarded

    return guard
