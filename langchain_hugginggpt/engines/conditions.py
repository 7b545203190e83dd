"""The condition engine: runs the `<c>-control` tasks, extracting ControlNet condition maps.

canny, mlsd and scribble maps are computed with OpenCV (see `condition_maps`), under this
project's own catalog cards. A depth map comes from a depth-estimation model run by another
engine (the transformers engine's depth-estimation runner), under that model's card re-tasked
as `depth-control`. The other conditions are not offered: `unavailable_reason` says why, for
selection and the planner to report.
"""

from __future__ import annotations

from dataclasses import replace
from importlib.util import find_spec

from langchain_hugginggpt.artifacts.outputs import pil_image_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.condition_maps import EXTRACTORS
from langchain_hugginggpt.engines.media_io import open_image
from langchain_hugginggpt.tasks import CONTROL_CONDITIONS, TASKS

__all__ = [
    "COMPUTED_CONDITIONS",
    "CONDITIONS_LIBRARY",
    "MODEL_CONDITIONS",
    "UNAVAILABLE_CONDITIONS",
    "ConditionEngine",
    "condition_cards",
    "depth_condition_card",
    "unavailable_reason",
]

CONDITIONS_LIBRARY = "hugginggpt-conditions"
"""The `library_name` of this project's computed condition cards; the engine keys on it."""
COMPUTED_CONDITIONS: tuple[str, ...] = tuple(EXTRACTORS)
"""Conditions computed from the image alone, with OpenCV."""
MODEL_CONDITIONS: dict[str, str] = {"depth": "depth-estimation"}
"""Conditions whose map a model of another task type makes."""
UNAVAILABLE_CONDITIONS: dict[str, str] = {
    "hed": "HED soft edges come from a learned edge network, which no local engine runs",
    "normal": "normal maps need a surface-normal estimation model, which no local engine runs",
    "openpose": "pose maps need the OpenPose keypoint network, which no local engine runs",
    "seg": "the seg ControlNet reads ADE20K class colours, which no local segmenter here paints",
}
"""Conditions not offered, and why."""
_DESCRIPTIONS = {
    "canny": "Canny edges (OpenCV)",
    "mlsd": "straight line segments (OpenCV Hough transform; M-LSD itself is a learned model)",
    "scribble": "scribble strokes: a drawing's lines, or a photo's thickened edges (OpenCV)",
}
_MISSING_OPENCV = (
    "computing {c} maps needs OpenCV: install langchain-hugginggpt[local] (opencv-python-headless)"
)


def _condition(task: str) -> str | None:
    name = task.removesuffix("-control")
    return name if name != task and name in CONTROL_CONDITIONS else None


def _opencv() -> bool:
    return find_spec("cv2") is not None and find_spec("PIL") is not None


def unavailable_reason(task: str) -> str | None:
    """Why `<c>-control` task `task` cannot run on this machine's own engines, or None if it can.

    Conditions needing a model (depth) are available when such a model is; this answers for
    the condition kind only.
    """
    condition = _condition(task)
    if condition is None:
        return None
    if condition in UNAVAILABLE_CONDITIONS:
        return UNAVAILABLE_CONDITIONS[condition]
    if condition in EXTRACTORS and not _opencv():
        return _MISSING_OPENCV.format(c=condition)
    return None


def condition_cards() -> list[ModelCard]:
    """Catalog cards of the computed conditions (one per condition), when OpenCV is here."""
    if not _opencv():
        return []
    return [
        ModelCard(
            id=f"hugginggpt/{condition}-condition",
            task=f"{condition}-control",
            source="packaged",
            library_name=CONDITIONS_LIBRARY,
            license="apache-2.0",
            description=f"{_DESCRIPTIONS[condition]}: the {condition} map ControlNets are "
            "conditioned on, computed without a model",
        )
        for condition in COMPUTED_CONDITIONS
    ]


def depth_condition_card(depth_model: ModelCard) -> ModelCard:
    """A depth-estimation model's card, re-tasked to make the depth ControlNet's condition map."""
    if depth_model.task != "depth-estimation":
        raise ValueError(f"{depth_model.id} is a {depth_model.task} model, not depth-estimation")
    return replace(depth_model, task="depth-control")


class ConditionEngine(Engine):
    """Extracts ControlNet condition maps: computed ones here, model-made ones by `delegate`.

    Args:
        delegate: the engine that runs depth-estimation models (the transformers engine);
            without it depth-control is not supported.
    """

    name = "conditions"

    def __init__(self, *, delegate: Engine | None = None) -> None:
        """Keep the engine model-made maps are delegated to."""
        self.delegate = delegate

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A computed condition's own card with OpenCV here, or a depth model the delegate runs."""
        condition = _condition(model.task)
        if mode == "remote" or condition is None:
            return False
        if condition in EXTRACTORS:
            return model.library_name == CONDITIONS_LIBRARY and _opencv()
        if condition in MODEL_CONDITIONS and self.delegate is not None:
            return self.delegate.supports(_retasked(model, condition), mode)
        return False

    def run(self, request: EngineRequest) -> TaskOutput:
        """The condition map of the `image` argument, as a PNG image output."""
        condition = _condition(request.task.name)
        if condition is None:
            raise EngineError(f"{request.task.name} is not a condition extraction task")
        reason = unavailable_reason(request.task.name)
        if reason:
            raise EngineError(reason)
        path = request.inputs.get("image", "").strip()
        if not path:
            raise EngineError(f"{request.task.name} needs argument 'image'")
        if condition in EXTRACTORS:
            condition_map = EXTRACTORS[condition](open_image(path))
            return pil_image_output(
                request.run_dir,
                condition_map,
                f"{condition} condition map ({_DESCRIPTIONS[condition]})",
                data={"condition": condition},
            )
        if condition in MODEL_CONDITIONS and self.delegate is not None:
            return self._by_model(request, condition)
        raise EngineError(f"no engine here makes {condition} maps")

    def _by_model(self, request: EngineRequest, condition: str) -> TaskOutput:
        assert self.delegate is not None
        task = MODEL_CONDITIONS[condition]
        inner = replace(request, task=TASKS[task], model=_retasked(request.model, condition))
        out = self.delegate.run(inner)
        out["text"] = f"{condition} condition map (by {request.model.id}; brighter is nearer)"
        out["data"] = {"condition": condition, "model": request.model.id}
        return out


def _retasked(model: ModelCard, condition: str) -> ModelCard:
    return replace(model, task=MODEL_CONDITIONS[condition])
