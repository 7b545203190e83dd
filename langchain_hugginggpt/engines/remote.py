"""Run Hub models remotely through Hugging Face Inference Providers (`InferenceClient`).

Each task type maps to one `InferenceClient` method; the answer is normalised with the helpers of
`langchain_hugginggpt.artifacts.outputs`, so a remote result chains into the next task exactly as
a local one does. The same engine also drives a dedicated Inference Endpoint or any server that
speaks the HF Inference API, through `base_url`.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError

from langchain_hugginggpt.artifacts.outputs import (
    detection_output,
    entities_output,
    json_output,
    labels_output,
    media_bytes_output,
    pil_image_output,
    segmentation_output,
    text_output,
)
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.hub import hub_offline
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["InferenceProvidersEngine"]

_MAX_NEW_TOKENS = 512
_NO_CHAT_STATUSES = frozenset({400, 404, 405, 422})
"""Statuses with which a server says it has no chat route or the model has no chat template."""
_DETAIL_CHARS = 300

_Handler = Callable[[InferenceClient, str, EngineRequest], TaskOutput]


class InferenceProvidersEngine(Engine):
    """Runs Hub models on Hugging Face Inference Providers, or on an endpoint given by URL.

    Example:
        ```python
        engine = InferenceProvidersEngine(provider="hf-inference")
        if engine.supports(card, "remote"):
            output = engine.run(request)
        ```
    """

    name = "inference-providers"

    def __init__(
        self,
        *,
        token: str | None = None,
        provider: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        client_factory: Callable[..., InferenceClient] | None = None,
    ) -> None:
        """Configure where and how models run.

        Args:
            token: Hugging Face token (or a provider's own key). Defaults, at each call, to
                `HF_TOKEN`, then `HUGGING_FACE_HUB_TOKEN`, from the environment.
            provider: Inference provider name (`hf-inference`, `together`, `fal-ai`, ...) or
                `auto`. Defaults, at each call, to `HUGGINGGPT_PROVIDER`, else `auto`. Ignored when
                `base_url` is set.
            base_url: URL of a server speaking the HF Inference API instead of the providers.
                `{model}` in it is replaced by the model id, so one server can serve many models
                (`https://router.huggingface.co/hf-inference/models/{model}`); without it every
                call goes to that URL, as to a dedicated Inference Endpoint serving one model.
            timeout_s: Longest wait for one answer, in seconds; a request's own timeout is used
                when shorter.
            client_factory: Builds the `InferenceClient`, called with the keyword arguments
                `base_url`, `provider`, `token` and `timeout`. Defaults to `InferenceClient`.
        """
        self._token = token
        self._provider = provider
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._client_factory: Callable[..., InferenceClient] = client_factory or InferenceClient

    def __repr__(self) -> str:
        """Describe the engine without its token."""
        where = f"base_url={self._base_url!r}" if self._base_url else f"provider={self._provider!r}"
        return f"{type(self).__name__}({where}, timeout_s={self._timeout_s:g})"

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Whether `model` can run remotely here; reads only settings and the environment.

        Args:
            model: The model's catalog card.
            mode: The run's inference mode; only `remote` and `auto` allow this engine.

        Returns:
            True for a Hub model (`hub` or `bundled` source) of a task with a client method, when
            a token or a `base_url` is configured, Hub access is not switched off, and Pillow is
            installed for tasks that make or read images. With a `base_url`, tasks only providers
            serve (text-to-video) are not supported.
        """
        return (
            mode in ("remote", "auto")
            and model.source in ("hub", "bundled")
            and model.task in _HANDLERS
            and (self._base_url is not None or self._resolve_token() is not None)
            and not (self._base_url is not None and model.task in _PROVIDERS_ONLY)
            and not hub_offline()
            and (model.task not in _NEEDS_PILLOW or _pillow_installed())
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Run the request's task on its model with the task's `InferenceClient` method.

        Args:
            request: The task, model, inputs (media as local file paths), run folder and timeout.

        Returns:
            The normalised output; media are saved as files under `request.run_dir`.

        Raises:
            EngineError: An argument is missing, the server refused the request or timed out,
                or its answer could not be used. The message names the model and the task, and
                never contains the token.
        """
        task, model_id = request.task.name, request.model.id
        handler = _HANDLERS.get(task)
        if handler is None:
            raise EngineError(f"inference providers cannot run {task} ({model_id})")
        token = self._resolve_token()
        timeout = min(request.timeout_s, self._timeout_s)
        endpoint = self._base_url.replace("{model}", model_id) if self._base_url else None
        where = f"{model_id} ({task})"
        # Exceptions are re-raised `from None`: a chained cause may quote what the server
        # echoed, token included, and run records keep only the scrubbed message anyway.
        try:
            with self._client_factory(
                base_url=endpoint,
                provider=self._resolve_provider(),
                token=token,
                timeout=timeout,
            ) as client:
                return handler(client, endpoint or model_id, request)
        except EngineError:
            raise
        except TimeoutError:
            raise EngineError(
                f"inference provider gave no answer for {where} within {timeout:g} s"
            ) from None
        except HfHubHTTPError as exc:
            detail = f"{exc.response.status_code} {_server_message(exc)}"
            raise EngineError(
                f"inference provider refused {where}: {_safe(detail, token)}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - every other failure also means this model failed
            # Provider helpers reject unmapped models with ValueError, connections fail with the
            # HTTP library's own errors, odd answers fail parsing: all mean this model failed.
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise EngineError(
                f"inference provider could not run {where}: {_safe(detail, token)}"
            ) from None

    def _resolve_token(self) -> str | None:
        for token in (
            self._token,
            os.environ.get("HF_TOKEN"),
            os.environ.get("HUGGING_FACE_HUB_TOKEN"),
        ):
            if token and token.strip():
                return token.strip()
        return None

    def _resolve_provider(self) -> str:
        return self._provider or os.environ.get("HUGGINGGPT_PROVIDER") or "auto"


@functools.cache
def _pillow_installed() -> bool:
    return importlib.util.find_spec("PIL") is not None


def _server_message(exc: HfHubHTTPError) -> str:
    return exc.server_message or exc.response.reason_phrase or str(exc)


def _safe(detail: str, token: str | None) -> str:
    """One line of `detail` without the token; masked before clipping, so no prefix survives."""
    if token:
        detail = detail.replace(token, "***")
    flat = re.sub(r"\s+", " ", detail).strip()
    return flat if len(flat) <= _DETAIL_CHARS else flat[: _DETAIL_CHARS - 3] + "..."


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Inputs


def _text(request: EngineRequest, name: str) -> str:
    value = _optional(request, name)
    if value is None:
        raise EngineError(f"{request.task.name} on {request.model.id} needs the '{name}' argument")
    return value


def _optional(request: EngineRequest, name: str) -> str | None:
    value = request.inputs.get(name)
    return value if value is not None and value.strip() else None


def _file(request: EngineRequest, name: str) -> Path:
    path = Path(_text(request, name))
    if not path.is_file():
        raise EngineError(
            f"{request.task.name} on {request.model.id}: the '{name}' argument is not a local "
            f"file: {path}"
        )
    return path


def _open_image(path: Path) -> Image.Image:
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB")


def _read_table(request: EngineRequest) -> dict[str, list[str]]:
    text = _file(request, "table").read_text(encoding="utf-8-sig")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096])
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    rows = list(reader)
    if not rows or not reader.fieldnames:
        raise EngineError(
            f"{request.task.name} on {request.model.id}: the 'table' argument has no data rows"
        )
    return {column: [row.get(column) or "" for row in rows] for column in reader.fieldnames}


# Outputs


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the fields the server left out, which the client's parsed types set to None."""
    return {key: value for key, value in item.items() if value is not None}


def _labels(items: Sequence[Mapping[str, Any]]) -> TaskOutput:
    return labels_output([_plain(item) for item in items])


def _best_answer(items: Sequence[Mapping[str, Any]]) -> TaskOutput:
    answers = [_plain(item) for item in items]
    if not answers:
        return text_output("no answer found", data=[])
    best = max(answers, key=lambda a: float(a.get("score", 0.0)))
    return text_output(str(best.get("answer", "")), data=answers)


# Handlers: one client call each, `target` is the model id or the endpoint URL.


def _text_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    result: Any = client.text_classification(_text(request, "text"), model=target)
    # The HF Inference API nests the labels in one more list, which the client unwraps; a
    # server answering a flat list leaves a single element here.
    return _labels(result if isinstance(result, list) else [result])


def _token_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    entities = client.token_classification(
        _text(request, "text"), model=target, aggregation_strategy="simple"
    )
    return entities_output([_plain(entity) for entity in entities])


def _zero_shot_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    text = _text(request, "text")
    labels = [label.strip() for label in _text(request, "labels").split(",") if label.strip()]
    if not labels:
        raise EngineError(f"{request.task.name} on {request.model.id} needs the 'labels' argument")
    return _labels(client.zero_shot_classification(text, labels, model=target))


def _summarization(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    return text_output(client.summarization(_text(request, "text"), model=target).summary_text)


def _translation(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    text = _text(request, "text")
    source = _optional(request, "source_language")
    goal = _optional(request, "target_language")
    # The client takes both languages or neither; a lone one is left to the model's own
    # direction (most translation models translate one fixed pair).
    if source and goal:
        result = client.translation(text, model=target, src_lang=source, tgt_lang=goal)
    else:
        result = client.translation(text, model=target)
    return text_output(result.translation_text)


def _question_answering(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    result = client.question_answering(
        question=_text(request, "question"), context=_text(request, "context"), model=target
    )
    answer = result[0] if isinstance(result, list) else result
    data = _plain(answer)
    return text_output(str(data.pop("answer", "")), data=data)


def _chat(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    reply = client.chat_completion(
        [{"role": "user", "content": _text(request, "text")}],
        model=request.model.id,
        max_tokens=_MAX_NEW_TOKENS,
    )
    if not reply.choices:
        raise EngineError(f"inference provider returned no reply for {request.model.id}")
    return text_output(reply.choices[0].message.content or "")


def _text_generation(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    """Chat first, as providers serve LLMs; plain completion where the server has no chat."""
    try:
        return _chat(client, target, request)
    except HfHubHTTPError as exc:
        if exc.response.status_code not in _NO_CHAT_STATUSES:
            raise
    generated = client.text_generation(
        _text(request, "text"),
        model=target,
        max_new_tokens=_MAX_NEW_TOKENS,
        return_full_text=False,
    )
    return text_output(generated)


def _text2text_generation(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    # Encoder-decoder models (T5, BART) have no chat template; the HF Inference API serves
    # them through its text-generation route.
    return text_output(
        client.text_generation(_text(request, "text"), model=target, max_new_tokens=_MAX_NEW_TOKENS)
    )


def _sentence_similarity(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    scores = client.sentence_similarity(
        _text(request, "text"), [_text(request, "text2")], model=target
    )
    if not scores:
        raise EngineError(f"inference provider returned no similarity for {request.model.id}")
    score = round(float(scores[0]), 4)
    return text_output(f"similarity: {score:.4f}", data={"similarity": score})


def _tabular_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    labels = client.tabular_classification(_read_table(request), model=target)
    rows = [{"row": i, "label": str(label)} for i, label in enumerate(labels, start=1)]
    return json_output(rows, text=", ".join(f"row {r['row']}: {r['label']}" for r in rows))


def _image_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    return _labels(client.image_classification(_file(request, "image"), model=target))


def _object_detection(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    path = _file(request, "image")
    found = client.object_detection(path, model=target)
    boxes = [
        {"label": obj.label, "score": obj.score, "box": _plain(obj.box)}
        for obj in found
        if obj.box is not None
    ]
    return detection_output(request.run_dir, _open_image(path), boxes)


def _image_segmentation(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    path = _file(request, "image")
    # The server sends each mask as a base64 PNG; the client decodes it into a PIL image.
    segments = [_plain(segment) for segment in client.image_segmentation(path, model=target)]
    return segmentation_output(request.run_dir, _open_image(path), segments)


def _image_to_text(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    return text_output(client.image_to_text(_file(request, "image"), model=target).generated_text)


def _text_to_image(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    prompt = _text(request, "text")
    image = client.text_to_image(prompt, model=target)
    return pil_image_output(request.run_dir, image, f"image generated from {_clip(prompt)!r}")


def _image_to_image(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    prompt = _optional(request, "text")
    image = client.image_to_image(_file(request, "image"), prompt, model=target)
    how = f" following {_clip(prompt)!r}" if prompt else ""
    return pil_image_output(request.run_dir, image, f"transformed image{how}")


def _visual_question_answering(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    return _best_answer(
        client.visual_question_answering(
            _file(request, "image"), _text(request, "question"), model=target
        )
    )


def _document_question_answering(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    return _best_answer(
        client.document_question_answering(
            _file(request, "image"), _text(request, "question"), model=target
        )
    )


def _text_to_speech(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    text = _text(request, "text")
    audio = client.text_to_speech(text, model=target)
    return media_bytes_output(request.run_dir, audio, f"speech reading {_clip(text)!r}")


def _speech_recognition(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    return text_output(
        client.automatic_speech_recognition(_file(request, "audio"), model=target).text
    )


def _audio_to_audio(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    tracks = client.audio_to_audio(_file(request, "audio"), model=target)
    if not tracks:
        raise EngineError(f"inference provider returned no audio for {request.model.id}")
    listed = [{"label": t.label, "content_type": t.content_type} for t in tracks]
    names = ", ".join(str(t.label) for t in tracks)
    out = media_bytes_output(
        request.run_dir, tracks[0].blob, f"{tracks[0].label} (1 of {len(tracks)}: {names})"
    )
    out["data"] = listed
    return out


def _audio_classification(
    client: InferenceClient, target: str, request: EngineRequest
) -> TaskOutput:
    return _labels(client.audio_classification(_file(request, "audio"), model=target))


def _text_to_video(client: InferenceClient, target: str, request: EngineRequest) -> TaskOutput:
    prompt = _text(request, "text")
    video = client.text_to_video(prompt, model=target)
    return media_bytes_output(request.run_dir, video, f"video generated from {_clip(prompt)!r}")


_HANDLERS: dict[str, _Handler] = {
    "text-classification": _text_classification,
    "token-classification": _token_classification,
    "zero-shot-classification": _zero_shot_classification,
    "summarization": _summarization,
    "translation": _translation,
    "question-answering": _question_answering,
    "conversational": _chat,
    "text-generation": _text_generation,
    "text2text-generation": _text2text_generation,
    "sentence-similarity": _sentence_similarity,
    "tabular-classification": _tabular_classification,
    "image-classification": _image_classification,
    "object-detection": _object_detection,
    "image-segmentation": _image_segmentation,
    "image-to-text": _image_to_text,
    "text-to-image": _text_to_image,
    "image-to-image": _image_to_image,
    "visual-question-answering": _visual_question_answering,
    "document-question-answering": _document_question_answering,
    "text-to-speech": _text_to_speech,
    "automatic-speech-recognition": _speech_recognition,
    "audio-to-audio": _audio_to_audio,
    "audio-classification": _audio_classification,
    "text-to-video": _text_to_video,
}
"""Task name -> the handler making its client call; tasks missing here are not supported."""

_NEEDS_PILLOW = frozenset(
    {"object-detection", "image-segmentation", "text-to-image", "image-to-image"}
)
"""Tasks whose images the client or the output helpers decode or draw with Pillow."""

_PROVIDERS_ONLY = frozenset({"text-to-video"})
"""Tasks the HF Inference API does not serve: only providers run them, never a `base_url`."""
