"""Helpers any test may use: Twilio-exact webhooks, a movable clock, Redis servers."""
