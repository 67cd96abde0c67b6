"""The app a server runs: the API with its webhook dispatcher, and the test kit above it
unless it is turned off; around that, the metrics and CORS when they are on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecwid_customers.config import Settings
from ecwid_customers.domain.clock import Clock
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.http.asgi import App
from ecwid_customers.http.cors import Cors
from ecwid_customers.http.instrument import Instrumented
from ecwid_customers.storage.base import Storage
from ecwid_customers.webhooks.dispatcher import Dispatcher

if TYPE_CHECKING:
    from ecwid_customers.control.app import KitApp


def build_app(
    storage: Storage, settings: Settings | None = None, clock: Clock | None = None
) -> EcwidApp | KitApp:
    """With the test kit when ``settings`` name an admin token; else the bare API, which runs
    no kit code at all (``serve --no-control``)."""
    settings = settings or Settings()
    services = []
    if settings.webhooks:
        services.append(
            Dispatcher(
                storage,
                retry_scale=settings.webhook_retry_scale,
                concurrency=settings.webhook_concurrency,
                per_endpoint=settings.webhook_endpoint_concurrency,
            )
        )
    api = EcwidApp(storage, settings, clock, services)
    if not api.settings.admin_token:
        return api
    # Imported here: a server without the kit loads none of it (a shorter start).
    from ecwid_customers.control.app import KitApp

    return KitApp(api, api.settings.admin_token)


def serving_app(
    storage: Storage, settings: Settings | None = None, clock: Clock | None = None
) -> App:
    """What a server serves: :func:`build_app`'s app, wrapped in CORS when ``settings`` name
    origins, and in the metrics (outermost, so they count preflights too) unless turned off."""
    settings = settings or Settings()
    app: App = build_app(storage, settings, clock)
    if settings.cors_origins:
        app = Cors(app, settings.cors_origins)
    if settings.metrics:
        app = Instrumented(app)
    return app
