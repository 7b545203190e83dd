"""langchain-tests' standard suites for every task tool.

Tasks with a tiny model built here run on it through the real engines (text classification,
summarization, translation, text2text, image classification, speech recognition, text-to-image);
the others run on a test engine that returns output of the task's type, which exercises the
tool's schema, input checks, engine dispatch, content blocks and artifact.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path
from typing import Any

from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from langchain_hugginggpt.artifacts.inputs import InputPolicy
from langchain_hugginggpt.catalog import Catalog, ModelCard
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.diffusion import DiffusersEngine
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.tasks import TASKS
from langchain_hugginggpt.tools import HFTaskTool, tool_name
from tests.unit_tests.engines import tiny_models
from tests.unit_tests.fakes import RecordingEngine

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@functools.cache
def workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="hgpt-tools-"))
    tiny_models.write_png(root / "photo.png", size=32)
    tiny_models.write_wav(root / "speech.wav", seconds=0.3)
    (root / "table.csv").write_text("age,income\n31,40000\n45,52000\n")
    return root


@functools.cache
def real_cards() -> list[ModelCard]:
    root = workspace() / "models"
    builders = {
        ("text-classification",): (tiny_models.text_classifier, None),
        ("summarization", "translation", "text2text-generation"): (tiny_models.seq2seq, None),
        ("image-classification",): (tiny_models.image_classifier, None),
        ("automatic-speech-recognition",): (tiny_models.speech_recognizer, None),
        ("text-to-image",): (tiny_models.stable_diffusion, "diffusers"),
    }
    cards = []
    for tasks, (build, library) in builders.items():
        path = build(root)
        cards += [
            ModelCard(
                id=f"local/{path.name}",
                task=t,
                source="local",
                path=str(path),
                library_name=library,
            )
            for t in tasks
        ]
    return cards


def fake_media_engine() -> RecordingEngine:
    media = {}
    for spec in TASKS.values():
        if spec.output == "image":
            media[spec.name] = (".png", PNG)
        elif spec.output == "audio":
            media[spec.name] = (".wav", (workspace() / "speech.wav").read_bytes())
        elif spec.output == "video":
            media[spec.name] = (".mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16)
    return RecordingEngine(name="test-engine", runnable={f"test/{t}" for t in TASKS}, media=media)


def example_args(task: str) -> dict[str, Any]:
    values = {
        "text": "the movie was great",
        "labels": "positive, negative",
        "question": "what is it?",
        "context": "the cat is good",
        "text2": "the dog is good",
        "target_language": "French",
        "image": str(workspace() / "photo.png"),
        "audio": str(workspace() / "speech.wav"),
        "table": str(workspace() / "table.csv"),
    }
    return {
        a.name: values[a.name]
        for a in TASKS[task].args
        if a.required or a.name == "target_language"
    }


@functools.cache
def shared_engines() -> tuple[Any, ...]:
    cache = ModelCache(max_items=8)
    return (
        TransformersEngine(device="cpu", cache=cache),
        DiffusersEngine(device="cpu", steps=2, cache=cache),
        fake_media_engine(),
    )


def constructor_params(task: str) -> dict[str, Any]:
    real = [c for c in real_cards() if c.task == task]
    cards = real or [
        ModelCard(
            id=f"test/{task}", task=task, source="local", path=str(workspace()), library_name="test"
        )
    ]
    return {
        "task": task,
        "catalog": Catalog(cards=cards),
        "engines": list(shared_engines()),
        "artifacts_dir": workspace() / "out",
        "input_policy": InputPolicy(roots=(workspace(),)),
    }


def _suite(task: str, base: type) -> type:
    return type(
        f"Test{base.__name__}_{tool_name(task)}",
        (base,),
        {
            "tool_constructor": property(lambda self: HFTaskTool),
            "tool_constructor_params": property(lambda self: constructor_params(task)),
            "tool_invoke_params_example": property(lambda self: example_args(task)),
            "__module__": __name__,
        },
    )


for _task in TASKS:
    for _base in (ToolsUnitTests, ToolsIntegrationTests):
        _cls = _suite(_task, _base)
        setattr(sys.modules[__name__], _cls.__name__, _cls)
