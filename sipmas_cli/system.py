"""The services SIPMAS is made of, and what is done to all of them at once (``sipmas migrate``).

The order is the order they are migrated and started; each service is the nameko class in
``services/<name>/service.py`` and owns the database ``settings.database_url(name)``.
"""

from __future__ import annotations

from importlib import import_module, resources

from alembic import command
from alembic.config import Config

from sipmas import db, settings

SERVICES = ("registry", "verification", "referral", "notifications", "gateway")
SERVICE_CLASSES = {
    "registry": "RegistryService",
    "verification": "VerificationService",
    "referral": "ReferralService",
    "notifications": "NotificationsService",
    "gateway": "GatewayService",
}


def service_module(name: str) -> str:
    """What a container runs: ``nameko run services.<name>.service``."""
    return f"services.{name}.service"


def service_class(name: str) -> type:
    """The nameko service class of ``name`` (imports the service)."""
    return getattr(import_module(service_module(name)), SERVICE_CLASSES[name])


def service_classes() -> list[type]:
    return [service_class(name) for name in SERVICES]


def alembic_config(service: str) -> Config:
    """The alembic configuration of ``services.<service>.migrations``."""
    location = resources.files(f"services.{service}").joinpath("migrations")
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("sqlalchemy.url", settings.database_url(service))
    return config


def migrate(service: str) -> None:
    """Create ``service``'s database if needed and apply its migrations."""
    db.ensure_database(settings.database_url(service))
    command.upgrade(alembic_config(service), "head")
