"""The ``sandi`` command line (entry point :func:`app.cli.main.main`)."""
