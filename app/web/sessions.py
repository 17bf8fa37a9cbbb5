"""Flask's signed-cookie sessions, opened only for requests that carry the cookie.

Flask builds a signer for the session cookie at the start of every request.
Twilio's webhooks and the OTP API never send that cookie, and building the
signer for nothing was ~2-3% of a request's CPU under load; a request without
the cookie now starts with an empty session straight away. Requests that do
carry it (a browser on the simulator pages) are handled by Flask as before.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazyCookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # No Cookie header at all (every webhook): no need to parse the cookies.
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies
        ):
            return self.session_class()
        return super().open_session(app, request)
