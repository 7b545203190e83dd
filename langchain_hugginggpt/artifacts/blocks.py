"""Generated media as LangChain's standard content blocks, for answers and tool messages."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from langchain_core.messages.content import (
    create_audio_block,
    create_file_block,
    create_image_block,
    create_video_block,
)

from langchain_hugginggpt.artifacts.types import TaskOutput

__all__ = ["MAX_INLINE_BYTES", "media_block", "tool_media_block"]

MAX_INLINE_BYTES = 8 * 1024 * 1024
"""Files up to this size are embedded (base64); larger ones are only named by path."""

_MAKERS = {"image": create_image_block, "audio": create_audio_block, "video": create_video_block}


def media_block(output: TaskOutput) -> dict[str, Any] | None:
    """An image/audio/video block for a media output small enough to embed, else None."""
    make = _MAKERS.get(output.get("type", ""))
    path = Path(output.get("path", ""))
    if make is None or not output.get("mime_type") or not path.is_file():
        return None
    if path.stat().st_size > MAX_INLINE_BYTES:
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return dict(make(base64=data, mime_type=output["mime_type"]))


def tool_media_block(output: TaskOutput) -> dict[str, Any] | None:
    """A block for a tool message: images as image blocks, audio and video as file blocks.

    LangChain keeps a tool's content blocks only for the types a tool message may carry (text,
    image, file, ...); any other block turns the whole content into a JSON string, base64 and
    all. So sound and video travel as `file` blocks with their own MIME type.
    """
    block = media_block(output)
    if block is None or block["type"] == "image":
        return block
    file_block: dict[str, Any] = dict(
        create_file_block(base64=block["base64"], mime_type=block["mime_type"])
    )
    return file_block
