"""Adapters to outside services that are neither Twilio delivery nor Redis.

Each implements a protocol of a core (e.g. the business back end behind
:class:`app.conversation.ports.Backend`); the wiring plugs them in.
"""
