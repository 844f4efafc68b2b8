"""The web app (FastAPI): student pages, a JSON API, teacher pages."""

from quizflow.app.web.app import create_app
from quizflow.app.web.context import WebContext

__all__ = ["WebContext", "create_app"]
