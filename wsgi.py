"""WSGI entry point: `app` for gunicorn, `flask --app wsgi`, and any other server."""

from inspect_app import create_app

app = create_app()
