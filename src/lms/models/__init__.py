"""Every table, imported here so Alembic's autogenerate and ``alembic check`` see them all."""

from lms.models.accounts import ApiToken, LoginAttempt, PasswordLink, Role, User, UserSession
from lms.models.audit import AuditEvent
from lms.models.base import SQLModel
from lms.models.certificates import Certificate, PrintJob, RateCounter, ServiceRecord
from lms.models.cohorts import Cohort, CohortMember
from lms.models.courses import (
    ContentProblem,
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    ModuleRevision,
    ModuleText,
    Pathway,
)
from lms.models.pathways import Evaluation, Referral
from lms.models.practicum import HourCorrection, HourEntry, HourEvidence, Site
from lms.models.quizzes import QuizAttempt

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Certificate",
    "Cohort",
    "CohortMember",
    "ContentProblem",
    "Course",
    "Enrolment",
    "Evaluation",
    "HourCorrection",
    "HourEntry",
    "HourEvidence",
    "LoginAttempt",
    "Module",
    "ModuleProgress",
    "ModuleRevision",
    "ModuleText",
    "PasswordLink",
    "Pathway",
    "PrintJob",
    "QuizAttempt",
    "RateCounter",
    "Referral",
    "Role",
    "SQLModel",
    "ServiceRecord",
    "Site",
    "User",
    "UserSession",
    "metadata",
]
