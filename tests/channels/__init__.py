"""Delivery channels: adapters, the fake Twilio API, SMTP on loopback, status and fallback."""
