"""Tests of the Inference Providers engine against a loopback HF Inference API server.

No network is available here, so the server's answers are not captures of live traffic: each
body is written in the shape the HF Inference API / Inference Providers document for its task
(https://huggingface.co/docs/inference-providers/tasks) and that `huggingface_hub`'s
`InferenceClient` parses (`_generated/types`, `_common`): nested label lists for
text-classification, base64 PNG masks for segmentation, base64 blobs with `content-type` for
audio-to-audio, raw media bytes for text-to-image/speech/video, OpenAI-style chat completions.
The engine is pointed at the server with `base_url=".../models/{model}"`, the router's layout.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import InferenceClient, constants
from PIL import Image

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines import remote
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.remote import InferenceProvidersEngine
from langchain_hugginggpt.tasks import get_task
from tests.unit_tests.engines.remote_server import InferenceServer, Recorded, Reply

TOKEN = "hf_TestTokenThatMustNeverLeak0123"
SUMMARISER = "facebook/bart-large-cnn"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
RED = (230, 25, 75)
"""First colour of the outputs palette: the best box or the first segment."""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token, provider or offline switch from the machine running the tests."""
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HUGGINGGPT_PROVIDER",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def server() -> Iterator[InferenceServer]:
    srv = InferenceServer()
    yield srv
    srv.close()


@pytest.fixture
def engine(server: InferenceServer) -> InferenceProvidersEngine:
    return InferenceProvidersEngine(token=TOKEN, base_url=server.url + "/models/{model}")


@pytest.fixture
def run(engine: InferenceProvidersEngine, tmp_path: Path) -> Callable[..., TaskOutput]:
    """Run `task` on `model` with the given inputs through the engine."""

    def call(task: str, model: str, *, timeout_s: float = 10.0, **inputs: Any) -> TaskOutput:
        return engine.run(make_request(task, model, tmp_path / "run", timeout_s, **inputs))

    return call


def make_request(
    task: str, model: str, run_dir: Path, timeout_s: float = 10.0, **inputs: Any
) -> EngineRequest:
    return EngineRequest(
        task=get_task(task),
        model=ModelCard(id=model, task=task, source="hub"),
        inputs={k: str(v) for k, v in inputs.items()},
        run_dir=run_dir,
        timeout_s=timeout_s,
    )


def png_bytes(
    size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (255, 255, 255)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(frequency: float = 440.0, seconds: float = 0.1, rate: int = 8000) -> bytes:
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.png"
    path.write_bytes(png_bytes())
    return path


@pytest.fixture
def audio_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.wav"
    path.write_bytes(wav_bytes())
    return path


def only_request(server: InferenceServer) -> Recorded:
    assert len(server.requests) == 1, [r.path for r in server.requests]
    return server.requests[0]


def assert_authorised(request: Recorded) -> None:
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def saved_file(output: TaskOutput, run_dir: Path) -> Path:
    path = Path(output["path"])
    assert path.parent == run_dir
    assert path.is_file()
    return path


# Text tasks


TEXT = "My name is Sarah and I live in London"
LONG = "The tower is 324 metres tall, about the same height as an 81-storey building."

TEXT_CASES = [
    pytest.param(
        "text-classification",
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        {"text": "I love this movie"},
        [[{"label": "NEGATIVE", "score": 0.0001304}, {"label": "POSITIVE", "score": 0.9998696}]],
        {"inputs": "I love this movie", "parameters": {}},
        {
            "type": "labels",
            "text": "POSITIVE (1.00), NEGATIVE (0.00)",
            "data": [
                {"label": "POSITIVE", "score": 0.9999},
                {"label": "NEGATIVE", "score": 0.0001},
            ],
        },
        id="text-classification",
    ),
    pytest.param(
        "token-classification",
        "dslim/bert-base-NER",
        {"text": TEXT},
        [
            {"entity_group": "PER", "score": 0.9985, "word": "Sarah", "start": 11, "end": 16},
            {"entity_group": "LOC", "score": 0.9997, "word": "London", "start": 31, "end": 37},
        ],
        {"inputs": TEXT, "parameters": {"aggregation_strategy": "simple"}},
        {
            "type": "json",
            "text": "Sarah (PER), London (LOC)",
            "data": [
                {"word": "Sarah", "entity": "PER", "score": 0.9985, "start": 11, "end": 16},
                {"word": "London", "entity": "LOC", "score": 0.9997, "start": 31, "end": 37},
            ],
        },
        id="token-classification",
    ),
    pytest.param(
        "zero-shot-classification",
        "facebook/bart-large-mnli",
        {"text": "I booked a flight to Rome", "labels": "cooking, travel ,dancing,"},
        [
            {"label": "travel", "score": 0.9712},
            {"label": "dancing", "score": 0.0170},
            {"label": "cooking", "score": 0.0118},
        ],
        {
            "inputs": "I booked a flight to Rome",
            "parameters": {
                "candidate_labels": ["cooking", "travel", "dancing"],
                "multi_label": False,
            },
        },
        {"type": "labels", "text": "travel (0.97), dancing (0.02), cooking (0.01)"},
        id="zero-shot-classification",
    ),
    pytest.param(
        "summarization",
        "facebook/bart-large-cnn",
        {"text": LONG},
        [{"summary_text": "The tower is 324 metres tall."}],
        {"inputs": LONG, "parameters": {}},
        {"type": "text", "text": "The tower is 324 metres tall."},
        id="summarization",
    ),
    pytest.param(
        "translation",
        "facebook/nllb-200-distilled-600M",
        {"text": "Hello", "source_language": "eng_Latn", "target_language": "fra_Latn"},
        [{"translation_text": "Bonjour"}],
        {"inputs": "Hello", "parameters": {"src_lang": "eng_Latn", "tgt_lang": "fra_Latn"}},
        {"type": "text", "text": "Bonjour"},
        id="translation-with-languages",
    ),
    pytest.param(
        "translation",
        "Helsinki-NLP/opus-mt-en-fr",
        {"text": "Hello", "target_language": "French"},
        [{"translation_text": "Bonjour"}],
        {"inputs": "Hello", "parameters": {}},
        {"type": "text", "text": "Bonjour"},
        id="translation-fixed-pair-ignores-lone-language",
    ),
    pytest.param(
        "question-answering",
        "deepset/roberta-base-squad2",
        {"question": "Where do I live?", "context": TEXT},
        {"answer": "London", "score": 0.9326, "start": 31, "end": 37},
        {"inputs": {"question": "Where do I live?", "context": TEXT}, "parameters": {}},
        {"type": "text", "text": "London", "data": {"score": 0.9326, "start": 31, "end": 37}},
        id="question-answering",
    ),
    pytest.param(
        "sentence-similarity",
        "sentence-transformers/all-MiniLM-L6-v2",
        {"text": "Machine learning is easy.", "text2": "Deep learning is simple."},
        [0.7785726189613342],
        {
            "inputs": {
                "source_sentence": "Machine learning is easy.",
                "sentences": ["Deep learning is simple."],
            },
            "parameters": {},
        },
        {"type": "text", "text": "similarity: 0.7786", "data": {"similarity": 0.7786}},
        id="sentence-similarity",
    ),
    pytest.param(
        "text2text-generation",
        "google/flan-t5-base",
        {"text": "Paraphrase: the cat sat on the mat"},
        [{"generated_text": "A cat was sitting on the mat."}],
        {
            "inputs": "Paraphrase: the cat sat on the mat",
            "parameters": {"max_new_tokens": 512},
        },
        {"type": "text", "text": "A cat was sitting on the mat."},
        id="text2text-generation",
    ),
]


@pytest.mark.parametrize(("task", "model", "inputs", "reply", "sent", "expected"), TEXT_CASES)
def test_text_task_sends_documented_payload_and_normalises_answer(
    server: InferenceServer,
    run: Callable[..., TaskOutput],
    task: str,
    model: str,
    inputs: dict[str, str],
    reply: Any,
    sent: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    server.reply_json(f"/models/{model}", reply)

    output = run(task, model, **inputs)

    request = only_request(server)
    assert request.path == f"/models/{model}"
    assert_authorised(request)
    assert request.headers["content-type"] == "application/json"
    assert request.json() == sent
    assert {key: output[key] for key in expected} == expected  # type: ignore[literal-required]


def chat_reply(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1730000000,
        "model": model,
        "system_fingerprint": "3.0.0-sha-1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
    }


@pytest.mark.parametrize("task", ["conversational", "text-generation"])
def test_chat_tasks_use_chat_completion_with_the_model_in_the_body(
    server: InferenceServer, run: Callable[..., TaskOutput], task: str
) -> None:
    model = "meta-llama/Llama-3.1-8B-Instruct"
    server.reply_json(f"/models/{model}/v1/chat/completions", chat_reply("Paris.", model))

    output = run(task, model, text="What is the capital of France?")

    request = only_request(server)
    assert request.path == f"/models/{model}/v1/chat/completions"
    assert_authorised(request)
    assert request.json() == {
        "model": model,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "max_tokens": 512,
        "stream": False,
    }
    assert output == {"type": "text", "text": "Paris."}


def test_text_generation_falls_back_to_completion_when_the_server_has_no_chat(
    server: InferenceServer, run: Callable[..., TaskOutput]
) -> None:
    server.reply_json("/models/openai-community/gpt2", [{"generated_text": " a small town."}])

    output = run("text-generation", "openai-community/gpt2", text="Once upon a time in")

    chat, completion = server.requests
    assert chat.path == "/models/openai-community/gpt2/v1/chat/completions"
    assert completion.path == "/models/openai-community/gpt2"
    assert_authorised(completion)
    assert completion.json() == {
        "inputs": "Once upon a time in",
        "parameters": {"max_new_tokens": 512, "return_full_text": False},
    }
    assert output == {"type": "text", "text": " a small town."}


def test_text_generation_does_not_fall_back_on_a_server_failure(
    server: InferenceServer, run: Callable[..., TaskOutput]
) -> None:
    model = "meta-llama/Llama-3.1-8B-Instruct"
    server.reply_json(f"/models/{model}/v1/chat/completions", {"error": "overloaded"}, 500)

    with pytest.raises(EngineError, match=r"\(text-generation\): 500 overloaded"):
        run("text-generation", model, text="Hi")

    assert len(server.requests) == 1


def test_tabular_classification_sends_the_csv_columns(
    server: InferenceServer, run: Callable[..., TaskOutput], tmp_path: Path
) -> None:
    table = tmp_path / "wine.csv"
    table.write_text("fixed_acidity,alcohol\n7.4,9.4\n10.3,12.6\n")
    server.reply_json("/models/julien-c/wine-quality", ["5", "6"])

    output = run("tabular-classification", "julien-c/wine-quality", table=table)

    request = only_request(server)
    assert request.json()["table"] == {"fixed_acidity": ["7.4", "10.3"], "alcohol": ["9.4", "12.6"]}
    assert output["text"] == "row 1: 5, row 2: 6"
    assert output["data"] == [{"row": 1, "label": "5"}, {"row": 2, "label": "6"}]


# Vision tasks


def test_image_classification_posts_the_image_bytes(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path
) -> None:
    model = "google/vit-base-patch16-224"
    server.reply_json(
        f"/models/{model}",
        [
            {"label": "tabby, tabby cat", "score": 0.1743},
            {"label": "Egyptian cat", "score": 0.8281},
        ],
    )

    output = run("image-classification", model, image=image_file)

    request = only_request(server)
    assert_authorised(request)
    assert request.headers["content-type"] == "image/png"
    assert request.body == image_file.read_bytes()
    assert output["type"] == "labels"
    assert [x["label"] for x in output["data"]] == ["Egyptian cat", "tabby, tabby cat"]


def test_object_detection_draws_boxes_on_the_input_image(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path, tmp_path: Path
) -> None:
    model = "facebook/detr-resnet-50"
    server.reply_json(
        f"/models/{model}",
        [
            {
                "score": 0.6021,
                "label": "remote",
                "box": {"xmin": 45, "ymin": 5, "xmax": 60, "ymax": 20},
            },
            {
                "score": 0.9817,
                "label": "cat",
                "box": {"xmin": 10, "ymin": 10, "xmax": 40, "ymax": 30},
            },
        ],
    )

    output = run("object-detection", model, image=image_file)

    assert only_request(server).body == image_file.read_bytes()
    assert output["type"] == "image"
    assert output["mime_type"] == "image/png"
    assert output["text"] == "2 objects found: cat (0.98), remote (0.60)"
    assert output["data"][0] == {
        "label": "cat",
        "score": 0.9817,
        "box": {"xmin": 10.0, "ymin": 10.0, "xmax": 40.0, "ymax": 30.0},
    }
    with Image.open(saved_file(output, tmp_path / "run")) as drawn:
        assert drawn.size == (64, 48)
        assert drawn.convert("RGB").getpixel((10, 20)) == RED
        assert drawn.convert("RGB").getpixel((30, 26)) == (255, 255, 255)


def test_image_segmentation_decodes_base64_masks(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path, tmp_path: Path
) -> None:
    model = "nvidia/segformer-b0-finetuned-ade-512-512"
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (0, 0, 32, 48))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    server.reply_json(
        f"/models/{model}",
        [{"score": 0.99, "label": "cat", "mask": base64.b64encode(buffer.getvalue()).decode()}],
    )

    output = run("image-segmentation", model, image=image_file)

    assert output["text"] == "1 segment: cat"
    assert output["data"] == [{"label": "cat", "score": 0.99}]
    with Image.open(saved_file(output, tmp_path / "run")) as overlaid:
        assert overlaid.convert("RGB").getpixel((5, 5)) != (255, 255, 255)
        assert overlaid.convert("RGB").getpixel((50, 5)) == (255, 255, 255)


def test_image_to_text(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path
) -> None:
    model = "Salesforce/blip-image-captioning-base"
    server.reply_json(f"/models/{model}", [{"generated_text": "a white wall"}])

    assert run("image-to-text", model, image=image_file) == {"type": "text", "text": "a white wall"}
    assert only_request(server).body == image_file.read_bytes()


def test_text_to_image_saves_a_png_file(
    server: InferenceServer, run: Callable[..., TaskOutput], tmp_path: Path
) -> None:
    model = "stabilityai/stable-diffusion-xl-base-1.0"
    server.reply(
        f"/models/{model}", Reply(body=png_bytes((32, 32), (0, 0, 255)), content_type="image/png")
    )

    output = run("text-to-image", model, text="a blue square")

    request = only_request(server)
    assert_authorised(request)
    assert request.headers["accept"] == "image/png"
    assert request.json() == {"inputs": "a blue square", "parameters": {}}
    assert output["type"] == "image"
    assert output["mime_type"] == "image/png"
    assert output["text"] == "image generated from 'a blue square'"
    with Image.open(saved_file(output, tmp_path / "run")) as made:
        assert made.size == (32, 32)
        assert made.convert("RGB").getpixel((0, 0)) == (0, 0, 255)


def test_image_to_image_sends_the_prompt_with_the_image(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path, tmp_path: Path
) -> None:
    model = "timbrooks/instruct-pix2pix"
    server.reply(
        f"/models/{model}", Reply(body=png_bytes((64, 48), (0, 0, 0)), content_type="image/png")
    )

    output = run("image-to-image", model, image=image_file, text="paint it black")

    sent = only_request(server).json()
    assert base64.b64decode(sent["inputs"]) == image_file.read_bytes()
    assert sent["parameters"] == {"prompt": "paint it black"}
    assert output["type"] == "image"
    assert output["text"] == "transformed image following 'paint it black'"
    assert output["mime_type"] == "image/png"
    with Image.open(saved_file(output, tmp_path / "run")) as made:
        assert made.convert("RGB").getpixel((0, 0)) == (0, 0, 0)


def test_visual_question_answering_keeps_the_best_answer(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path
) -> None:
    model = "dandelin/vilt-b32-finetuned-vqa"
    server.reply_json(
        f"/models/{model}", [{"answer": "grey", "score": 0.05}, {"answer": "white", "score": 0.91}]
    )

    output = run("visual-question-answering", model, image=image_file, question="What colour?")

    sent = only_request(server).json()
    assert sent["question"] == "What colour?"
    assert base64.b64decode(sent["image"]) == image_file.read_bytes()
    assert output["text"] == "white"
    assert output["data"] == [{"answer": "grey", "score": 0.05}, {"answer": "white", "score": 0.91}]


def test_document_question_answering(
    server: InferenceServer, run: Callable[..., TaskOutput], image_file: Path
) -> None:
    model = "impira/layoutlm-document-qa"
    server.reply_json(
        f"/models/{model}", [{"answer": "us-001", "score": 0.9999, "start": 16, "end": 16}]
    )

    output = run("document-question-answering", model, image=image_file, question="Invoice number?")

    sent = only_request(server).json()
    assert sent["inputs"]["question"] == "Invoice number?"
    assert base64.b64decode(sent["inputs"]["image"]) == image_file.read_bytes()
    assert output["text"] == "us-001"


# Audio and video tasks


def test_text_to_speech_saves_the_audio_as_returned(
    server: InferenceServer, run: Callable[..., TaskOutput], tmp_path: Path
) -> None:
    model = "facebook/mms-tts-eng"
    audio = wav_bytes(220.0)
    server.reply(f"/models/{model}", Reply(body=audio, content_type="audio/wav"))

    output = run("text-to-speech", model, text="Hello there")

    request = only_request(server)
    assert_authorised(request)
    assert request.json() == {"inputs": "Hello there", "parameters": {}}
    assert output["type"] == "audio"
    assert output["mime_type"] == "audio/wav"
    assert output["text"] == "speech reading 'Hello there'"
    assert saved_file(output, tmp_path / "run").read_bytes() == audio


def test_speech_recognition_posts_the_audio_bytes(
    server: InferenceServer, run: Callable[..., TaskOutput], audio_file: Path
) -> None:
    model = "openai/whisper-large-v3"
    server.reply_json(f"/models/{model}", {"text": " Hello world."})

    output = run("automatic-speech-recognition", model, audio=audio_file)

    request = only_request(server)
    assert request.headers["content-type"].startswith("audio/")
    assert request.body == audio_file.read_bytes()
    assert output == {"type": "text", "text": " Hello world."}


def test_audio_to_audio_saves_the_first_track_and_lists_all(
    server: InferenceServer, run: Callable[..., TaskOutput], audio_file: Path, tmp_path: Path
) -> None:
    model = "speechbrain/sepformer-wham"
    first, second = wav_bytes(300.0), wav_bytes(600.0)
    server.reply_json(
        f"/models/{model}",
        [
            {
                "label": "speech_0",
                "content-type": "audio/wav",
                "blob": base64.b64encode(first).decode(),
            },
            {
                "label": "speech_1",
                "content-type": "audio/wav",
                "blob": base64.b64encode(second).decode(),
            },
        ],
    )

    output = run("audio-to-audio", model, audio=audio_file)

    assert output["type"] == "audio"
    assert saved_file(output, tmp_path / "run").read_bytes() == first
    assert output["text"] == "speech_0 (1 of 2: speech_0, speech_1)"
    assert output["data"] == [
        {"label": "speech_0", "content_type": "audio/wav"},
        {"label": "speech_1", "content_type": "audio/wav"},
    ]


def test_audio_classification(
    server: InferenceServer, run: Callable[..., TaskOutput], audio_file: Path
) -> None:
    model = "superb/hubert-large-superb-er"
    server.reply_json(
        f"/models/{model}", [{"label": "neu", "score": 0.3678}, {"label": "hap", "score": 0.4976}]
    )

    output = run("audio-classification", model, audio=audio_file)

    assert output == {
        "type": "labels",
        "text": "hap (0.50), neu (0.37)",
        "data": [{"label": "hap", "score": 0.4976}, {"label": "neu", "score": 0.3678}],
    }


class VideoClient:
    """Stands in for `InferenceClient` on text-to-video, which the HF Inference API (and so the
    loopback server) does not serve: providers such as fal-ai answer it with the video bytes."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.calls: list[tuple[str, str]] = []

    def __enter__(self) -> VideoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def text_to_video(self, prompt: str, *, model: str) -> bytes:
        self.calls.append((prompt, model))
        return MP4


def test_text_to_video_asks_the_provider_for_the_model_and_saves_an_mp4(tmp_path: Path) -> None:
    clients: list[VideoClient] = []

    def factory(**kwargs: Any) -> Any:
        clients.append(VideoClient(**kwargs))
        return clients[-1]

    engine = InferenceProvidersEngine(token=TOKEN, provider="fal-ai", client_factory=factory)
    model = "Wan-AI/Wan2.1-T2V-14B"

    output = engine.run(make_request("text-to-video", model, tmp_path, text="a cat surfing"))

    (client,) = clients
    assert client.kwargs == {
        "base_url": None,
        "provider": "fal-ai",
        "token": TOKEN,
        "timeout": 10.0,
    }
    assert client.calls == [("a cat surfing", model)]
    assert output["type"] == "video"
    assert output["mime_type"] == "video/mp4"
    assert output["text"] == "video generated from 'a cat surfing'"
    assert saved_file(output, tmp_path).read_bytes() == MP4


# Failures


@pytest.mark.parametrize(
    ("status", "reply", "content_type", "expected"),
    [
        (404, b'{"error": "Model not found"}', "application/json", "404 Model not found"),
        (
            503,
            json.dumps(
                {"error": f"Model {SUMMARISER} is currently loading", "estimated_time": 20}
            ).encode(),
            "application/json",
            f"503 Model {SUMMARISER} is currently loading",
        ),
        (500, b"upstream worker crashed", "text/plain", "500 upstream worker crashed"),
    ],
)
def test_http_errors_name_model_task_status_and_server_message(
    server: InferenceServer,
    run: Callable[..., TaskOutput],
    status: int,
    reply: bytes,
    content_type: str,
    expected: str,
) -> None:
    server.reply("/models/facebook/bart-large-cnn", Reply(status, reply, content_type))

    with pytest.raises(EngineError) as caught:
        run("summarization", "facebook/bart-large-cnn", text="Some long text.")

    assert str(caught.value) == (
        f"inference provider refused facebook/bart-large-cnn (summarization): {expected}"
    )


@pytest.mark.parametrize(("request_timeout", "engine_timeout"), [(0.5, 120.0), (30.0, 0.5)])
def test_a_server_that_never_answers_times_out(
    server: InferenceServer, tmp_path: Path, request_timeout: float, engine_timeout: float
) -> None:
    server.reply("/models/facebook/bart-large-cnn", Reply(hang=True))
    engine = InferenceProvidersEngine(
        token=TOKEN, base_url=server.url + "/models/{model}", timeout_s=engine_timeout
    )
    request = make_request(
        "summarization", "facebook/bart-large-cnn", tmp_path, request_timeout, text="Hi"
    )

    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        engine.run(request)

    assert time.monotonic() - started < 5
    assert str(caught.value) == (
        "inference provider gave no answer for facebook/bart-large-cnn (summarization) within 0.5 s"
    )


def test_the_token_never_appears_in_errors_even_when_the_server_echoes_it(
    server: InferenceServer, run: Callable[..., TaskOutput]
) -> None:
    server.reply_json(
        f"/models/{SUMMARISER}",
        {"error": f"Invalid credentials in Authorization header: Bearer {TOKEN}"},
        401,
    )

    with pytest.raises(EngineError) as caught:
        run("summarization", SUMMARISER, text="Hi")

    assert TOKEN not in str(caught.value)
    assert "401 Invalid credentials in Authorization header: Bearer ***" in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_long_message_is_clipped_after_the_token_is_masked(
    server: InferenceServer, run: Callable[..., TaskOutput]
) -> None:
    server.reply_json(
        f"/models/{SUMMARISER}", {"error": "x" * 280 + f" token {TOKEN} " + "y" * 50}, 400
    )

    with pytest.raises(EngineError) as caught:
        run("summarization", SUMMARISER, text="Hi")

    message = str(caught.value)
    assert message.endswith("y...")
    assert " token *** y" in message
    assert TOKEN[:6] not in message


def test_an_unreachable_server_is_an_engine_error_without_the_token(tmp_path: Path) -> None:
    closed = InferenceServer()
    url = closed.url
    closed.close()
    engine = InferenceProvidersEngine(token=TOKEN, base_url=url + "/models/{model}")

    with pytest.raises(
        EngineError, match=r"could not run facebook/bart-large-cnn \(summarization\)"
    ) as caught:
        engine.run(make_request("summarization", "facebook/bart-large-cnn", tmp_path, text="Hi"))

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(engine)


@pytest.mark.parametrize(
    ("task", "inputs", "argument"),
    [
        ("question-answering", {"question": "Where?"}, "context"),
        ("zero-shot-classification", {"text": "Rome trip", "labels": " , "}, "labels"),
        ("summarization", {"text": "   "}, "text"),
        ("sentence-similarity", {"text": "One"}, "text2"),
        ("visual-question-answering", {"question": "What?"}, "image"),
    ],
)
def test_missing_arguments_fail_before_any_request(
    server: InferenceServer,
    run: Callable[..., TaskOutput],
    task: str,
    inputs: dict[str, str],
    argument: str,
) -> None:
    with pytest.raises(EngineError, match=f"{task} on some/model needs the '{argument}' argument"):
        run(task, "some/model", **inputs)

    assert server.requests == []


def test_a_media_argument_must_be_a_local_file(
    server: InferenceServer, run: Callable[..., TaskOutput], tmp_path: Path
) -> None:
    with pytest.raises(EngineError, match="the 'image' argument is not a local file"):
        run("image-classification", "google/vit-base-patch16-224", image=tmp_path / "nope.png")

    assert server.requests == []


def test_an_unsupported_task_is_an_engine_error(
    run: Callable[..., TaskOutput], image_file: Path
) -> None:
    with pytest.raises(EngineError, match="cannot run depth-estimation"):
        run("depth-estimation", "Intel/dpt-large", image=image_file)


# Configuration


def test_token_and_provider_come_from_the_environment_at_call_time(
    server: InferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made: list[dict[str, Any]] = []

    def factory(**kwargs: Any) -> InferenceClient:
        made.append(kwargs)
        return InferenceClient(**kwargs)

    engine = InferenceProvidersEngine(
        base_url=server.url + "/models/{model}", timeout_s=7.0, client_factory=factory
    )
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_FromTheOldVariable")
    monkeypatch.setenv("HUGGINGGPT_PROVIDER", "hf-inference")
    server.reply_json("/models/facebook/bart-large-cnn", [{"summary_text": "Short."}])

    output = engine.run(make_request("summarization", SUMMARISER, tmp_path, text="Long."))

    assert output == {"type": "text", "text": "Short."}
    assert only_request(server).headers["authorization"] == "Bearer hf_FromTheOldVariable"
    assert made == [
        {
            "base_url": server.url + "/models/facebook/bart-large-cnn",
            "provider": "hf-inference",
            "token": "hf_FromTheOldVariable",
            "timeout": 7.0,
        }
    ]


def test_hf_token_wins_over_the_old_variable(
    server: InferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_FromHfToken")
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_FromTheOldVariable")
    server.reply_json("/models/facebook/bart-large-cnn", [{"summary_text": "Short."}])
    engine = InferenceProvidersEngine(base_url=server.url + "/models/{model}")

    engine.run(make_request("summarization", "facebook/bart-large-cnn", tmp_path, text="Long."))

    assert only_request(server).headers["authorization"] == "Bearer hf_FromHfToken"


def test_a_base_url_without_placeholder_is_a_dedicated_endpoint(
    server: InferenceServer, tmp_path: Path
) -> None:
    server.reply_json("/", [{"summary_text": "Short."}])
    engine = InferenceProvidersEngine(token=TOKEN, base_url=server.url)

    output = engine.run(
        make_request("summarization", "my-org/my-summariser", tmp_path, text="Long.")
    )

    assert only_request(server).path == "/"
    assert output["text"] == "Short."


def card(task: str = "summarization", source: str = "hub") -> ModelCard:
    return ModelCard(id="facebook/bart-large-cnn", task=task, source=source)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "model", "token", "base_url", "expected"),
    [
        ("remote", card(), TOKEN, None, True),
        ("auto", card(source="bundled"), TOKEN, None, True),
        ("local", card(), TOKEN, None, False),
        ("remote", card(source="local"), TOKEN, None, False),
        ("auto", card(source="packaged"), TOKEN, None, False),
        ("remote", card(), None, None, False),
        ("remote", card(), None, "http://127.0.0.1:9/models/{model}", True),
        ("remote", card("depth-estimation"), TOKEN, None, False),
        ("remote", card("canny-control"), TOKEN, None, False),
        ("remote", card("tabular-classification"), TOKEN, None, True),
        ("remote", card("text-to-video"), TOKEN, None, True),
        ("remote", card("text-to-video"), None, "http://127.0.0.1:9/models/{model}", False),
    ],
)
def test_supports_truth_table(
    mode: str, model: ModelCard, token: str | None, base_url: str | None, expected: bool
) -> None:
    engine = InferenceProvidersEngine(token=token, base_url=base_url)

    assert engine.supports(model, mode) is expected  # type: ignore[arg-type]


def test_supports_reads_the_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = InferenceProvidersEngine()
    assert not engine.supports(card(), "remote")

    monkeypatch.setenv("HF_TOKEN", TOKEN)

    assert engine.supports(card(), "remote")


def test_nothing_is_supported_with_hub_access_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    assert not InferenceProvidersEngine(token=TOKEN).supports(card(), "remote")


def test_image_making_tasks_need_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "_pillow_installed", lambda: False)
    engine = InferenceProvidersEngine(token=TOKEN)

    assert not engine.supports(card("text-to-image"), "remote")
    assert not engine.supports(card("object-detection"), "remote")
    assert engine.supports(card("image-classification"), "remote")


def test_repr_and_errors_carry_no_token_from_the_environment(
    server: InferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    server.reply_json("/models/facebook/bart-large-cnn", {"error": f"bad token {TOKEN}"}, 403)
    engine = InferenceProvidersEngine(base_url=server.url + "/models/{model}")

    with pytest.raises(EngineError) as caught:
        engine.run(make_request("summarization", "facebook/bart-large-cnn", tmp_path, text="Hi"))

    assert TOKEN not in str(caught.value) + repr(engine)
    assert "(summarization): 403 " in str(caught.value)
