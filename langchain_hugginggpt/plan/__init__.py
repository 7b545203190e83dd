"""Plans: their typed form, tolerant parsing of LLM output, the placeholder grammar, validation."""

from langchain_hugginggpt.plan.parse import MAX_PLAN_CHARS, MAX_PLAN_TASKS, parse_plan
from langchain_hugginggpt.plan.references import (
    canonical,
    find_references,
    normalize_references,
    whole_reference,
)
from langchain_hugginggpt.plan.types import (
    PlanError,
    PlannedTask,
    PlanParseError,
    PlanValidationError,
)
from langchain_hugginggpt.plan.validate import check_plan, find_cycle, validate_plan

__all__ = [
    "MAX_PLAN_CHARS",
    "MAX_PLAN_TASKS",
    "PlanError",
    "PlanParseError",
    "PlanValidationError",
    "PlannedTask",
    "canonical",
    "check_plan",
    "find_cycle",
    "find_references",
    "normalize_references",
    "parse_plan",
    "validate_plan",
    "whole_reference",
]
