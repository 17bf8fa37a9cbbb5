"""``sandi flows test``: conversation tests in YAML, run through the real webhook."""
