"""gunicorn reads this file from the working directory: Sandi's settings live in the
package (app/gunicorn_conf.py), so an installed Sandi runs the same ones with
``gunicorn -c python:app.gunicorn_conf 'app:create_app()'``."""

from app.gunicorn_conf import *  # noqa: F403
