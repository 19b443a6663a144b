"""Fixed choices, stored as their string values."""

from crm_app.models.base import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"


class PipelineKind(StrEnum):
    LEAD = "lead"
    DEAL = "deal"


class StageSemantic(StrEnum):
    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILURE = "failure"


class EntityType(StrEnum):
    LEAD = "lead"
    CONTACT = "contact"
    COMPANY = "company"
    DEAL = "deal"


class LeadResult(StrEnum):
    CONVERTED = "converted"
    JUNK = "junk"


class DealResult(StrEnum):
    WON = "won"
    LOST = "lost"


class ReasonKind(StrEnum):
    DEAL_LOST = "deal_lost"
    LEAD_JUNK = "lead_junk"


class CommKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"


class DiscountType(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class ActivityType(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    TASK = "task"
    EMAIL = "email"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class TimelineKind(StrEnum):
    CREATED = "created"
    COMMENT = "comment"
    FIELD_CHANGE = "field_change"
    STAGE_CHANGE = "stage_change"
    CONVERSION = "conversion"
    MERGE = "merge"
    ACTIVITY_PLANNED = "activity_planned"
    ACTIVITY_DONE = "activity_done"
    DELETED = "deleted"
    RESTORED = "restored"
