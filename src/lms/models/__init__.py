"""Every table, imported here so Alembic's autogenerate and ``alembic check`` see them all."""

from lms.models.audit import AuditEvent
from lms.models.base import SQLModel

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "SQLModel", "metadata"]
