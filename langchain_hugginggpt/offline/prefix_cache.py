"""The evaluated fixed start of a prompt (system prompt, task list), kept for later calls and runs.

llama-cpp-python reuses the longest start a prompt shares with the tokens its context holds, so
back-to-back calls with one system prompt evaluate it once. Any other prompt in between (a fill,
the answer, a text task on the same model) and every new process evaluate it again: the free
planner's system prompt with its task list is about 1,350 tokens, ten seconds on two cores.

Here the leading system messages, rendered with the model's own chat template, are the prefix.
Its key-value state is written to a file once (llama.cpp's sequence state, with its tokens) and
loaded back whenever the context no longer holds it. Files are named by the model file, the
llama.cpp build and the tokens; the folder is kept under a size bound, least recently used out.
A missing, damaged or unwritable cache only costs the evaluation it would have saved.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["PrefixCache", "fixed_prefix", "trim_folder"]

_log = logging.getLogger(__name__)
_SUFFIX = ".kv"
# Below this a prefix costs less to evaluate than its file costs to keep.
_MIN_TOKENS = 32


@lru_cache(maxsize=8)
def _formatter(template: str, eos: str, bos: str, generation_prompt: bool) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(
        template=template, eos_token=eos, bos_token=bos, add_generation_prompt=generation_prompt
    )


def _token_text(llama: Any, token: int) -> str:
    if token < 0:
        return ""
    return bytes(llama.detokenize([token], special=True)).decode("utf-8", errors="ignore")


def _render(llama: Any, messages: list[dict[str, str]], generation_prompt: bool) -> list[int]:
    template = llama.metadata["tokenizer.chat_template"]
    eos, bos = _token_text(llama, llama.token_eos()), _token_text(llama, llama.token_bos())
    result = _formatter(template, eos, bos, generation_prompt)(messages=messages)
    return list(
        llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
    )


def fixed_prefix(llama: Any, messages: list[dict[str, str]]) -> list[int] | None:
    """The tokens of `messages`' leading system messages, as the whole prompt starts with them.

    None when there is no leading system message, when the prompt is not rendered from the
    model's own template (another chat format or handler: its rendering cannot be mirrored
    here), or when the tokens of the prefix alone do not start the tokens of the whole prompt.
    """
    lead = 0
    while lead < len(messages) and messages[lead]["role"] == "system":
        lead += 1
    if lead == 0 or llama.chat_handler is not None:
        return None
    if llama.chat_format != "chat_template.default":
        return None
    prefix = _render(llama, messages[:lead], generation_prompt=False)
    whole = _render(llama, messages, generation_prompt=True)
    if len(prefix) < _MIN_TOKENS or whole[: len(prefix)] != prefix:
        return None
    return prefix


def trim_folder(folder: Path, max_bytes: int) -> None:
    """Delete the least recently used state files until the folder holds at most `max_bytes`."""
    files = []
    for path in folder.glob(f"*{_SUFFIX}"):
        try:
            stat = path.stat()
        except OSError:
            continue
        files.append((stat.st_mtime_ns, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size


def _build_identity(llama: Any) -> str:
    import llama_cpp

    model = Path(llama.model_path)
    stat = model.stat()
    return "\n".join(
        [
            str(model.resolve()),
            str(stat.st_size),
            str(stat.st_mtime_ns),
            str(llama_cpp.__version__),
            bytes(llama_cpp.llama_print_system_info()).decode("utf-8", errors="replace"),
        ]
    )


@dataclass(frozen=True)
class PrefixCache:
    """State files of evaluated prefixes in `folder`, at most `max_bytes` of them."""

    folder: Path
    max_bytes: int

    def prime(self, llama: Any, prefix: Sequence[int]) -> int:
        """Make `llama`'s context hold `prefix` (and nothing after it, if it did not already).

        Returns:
            How many of the prefix's tokens were evaluated now: none when the context already
            held them or their state was loaded from the cache.
        """
        size = len(prefix)
        held = _common_start(llama.input_ids[: llama.n_tokens], prefix)
        if held >= size or size >= llama.n_ctx():
            return 0
        path = self._path(llama, prefix)
        if path.is_file():
            if self._load(llama, path, prefix):
                return 0
            # A failed load may have cleared the context's cells: nothing is held any more.
            held = 0
        if held == 0:
            llama.reset()
        else:
            llama.n_tokens = held
        llama.eval(list(prefix[held:]))
        self._save(llama, path, prefix)
        return size - held

    def _path(self, llama: Any, prefix: Sequence[int]) -> Path:
        digest = hashlib.sha256(_build_identity(llama).encode())
        digest.update(b"".join(int(t).to_bytes(4, "little", signed=True) for t in prefix))
        return self.folder / f"{digest.hexdigest()[:32]}{_SUFFIX}"

    def _load(self, llama: Any, path: Path, prefix: Sequence[int]) -> bool:
        import llama_cpp

        llama.reset()
        tokens = (llama_cpp.llama_token * len(prefix))()
        count = ctypes.c_size_t(0)
        read = llama_cpp.llama_state_seq_load_file(
            llama.ctx, os.fsencode(path), 0, tokens, len(prefix), ctypes.byref(count)
        )
        if read == 0 or list(tokens[: count.value]) != list(prefix):
            # Damaged, cut short or of another build: evaluate again and write it anew.
            _log.info("prefix state %s could not be loaded; evaluating the prefix", path)
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            return False
        llama.input_ids[: len(prefix)] = prefix
        llama.n_tokens = len(prefix)
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: trimmed last
        return True

    def _save(self, llama: Any, path: Path, prefix: Sequence[int]) -> None:
        import llama_cpp

        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tokens = (llama_cpp.llama_token * len(prefix))(*prefix)
            written = llama_cpp.llama_state_seq_save_file(
                llama.ctx, os.fsencode(staging), 0, tokens, len(prefix)
            )
            if written == 0:
                staging.unlink(missing_ok=True)
                return
            os.replace(staging, path)
            trim_folder(self.folder, self.max_bytes)
        except OSError as exc:
            _log.info("prefix state not kept in %s: %s", self.folder, exc)
            with contextlib.suppress(OSError):
                staging.unlink(missing_ok=True)


def _common_start(a: Sequence[int] | Any, b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
