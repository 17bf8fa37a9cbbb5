"""Outbound delivery: SMS, WhatsApp, voice call, e-mail and flash call behind
:class:`app.channels.dispatch.Channels` (the OTP core's ``CodeDelivery``),
Twilio's status callbacks and fallback (:mod:`app.channels.status`), and the
sandbox outbox in place of Twilio and SMTP."""
