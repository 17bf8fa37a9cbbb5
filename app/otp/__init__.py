"""The OTP core: codes, verifications and their limits (plain Python, no Flask or Twilio)."""
