"""The inspector's offline app (PWA): its shell, manifest and service worker (placeholder)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pwa", __name__)
