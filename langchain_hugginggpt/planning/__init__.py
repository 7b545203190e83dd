"""Planning: a request (and the conversation so far) in, a validated plan out.

`Planner.plan` is the entry point (`planning.base`); the strategies beside it are `guided`
(steps and task types decide, the controller fills in the words; `sketch`, `steps`, `embed`)
and `free` (the controller writes the plan from retrieved worked plans, `demos`). The plan's
own form, parsing and validation are in `langchain_hugginggpt.plan`.
"""

from langchain_hugginggpt.planning.base import Planner
from langchain_hugginggpt.planning.request import request_text, request_with_inputs

__all__ = ["Planner", "request_text", "request_with_inputs"]
