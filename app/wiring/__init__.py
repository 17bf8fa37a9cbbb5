"""Where the parts are put together: settings -> stores, channels, cores, bots.

The only package that knows every other one; the web and the CLI ask it for a
ready :class:`~app.wiring.services.Services`.
"""
