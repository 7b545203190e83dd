"""List a task's most downloaded Hub models live, cached on disk and never blocking for long."""

from __future__ import annotations

import builtins
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huggingface_hub import HfApi, constants, is_offline_mode

from langchain_hugginggpt.atomic import staged_file
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.metadata import infer_library_name, languages
from langchain_hugginggpt.tasks import TaskSpec

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ExpandModelProperty_T, ModelInfo

__all__ = ["HubListing", "default_cache_dir", "hub_offline"]

logger = logging.getLogger(__name__)

_CACHE_VERSION = 1

# Only what a card needs: `expand` keeps the response small, while `full=True` would add every
# file of every repo. The license comes from the Hub's `license:` tags, languages from cardData.
_EXPAND: tuple[ExpandModelProperty_T, ...] = (
    "downloads",
    "likes",
    "tags",
    "library_name",
    "gated",
    "pipeline_tag",
    "cardData",
)


def default_cache_dir() -> Path:
    """Return the package's cache root: `$HUGGINGGPT_CACHE` or `~/.cache/langchain-hugginggpt`."""
    root = os.environ.get("HUGGINGGPT_CACHE")
    if root:
        return Path(root).expanduser()
    return Path.home() / ".cache" / "langchain-hugginggpt"


def hub_offline() -> bool:
    """Whether Hub access is switched off right now.

    `huggingface_hub` reads `HF_HUB_OFFLINE` once, at import; the environment is read again
    here so that setting it later still takes effect.

    Returns:
        True when `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` is truthy now, or was when
        `huggingface_hub` was imported (its requests would fail anyway).
    """
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if (os.environ.get(name) or "").upper() in constants.ENV_VARS_TRUE_VALUES:
            return True
    return is_offline_mode()


@dataclass(frozen=True)
class _Listing:
    fetched_at: float
    """Wall-clock time (`time.time()`) of the fetch, so that it means something across runs."""
    cards: tuple[ModelCard, ...]


@dataclass
class _Fetch:
    """One listing request running in a worker thread, shared by every caller waiting on it."""

    done: threading.Event = field(default_factory=threading.Event)
    listing: _Listing | None = None


def _license(tags: tuple[str, ...]) -> str | None:
    # The Hub turns the license(s) of a model card into `license:<id>` tags.
    return ",".join(tag.split(":", 1)[1] for tag in tags if tag.startswith("license:")) or None


def _card_from_info(info: ModelInfo, task: TaskSpec) -> ModelCard:
    tags = tuple(info.tags or ())
    return ModelCard(
        id=info.id,
        task=task.name,
        downloads=info.downloads or 0,
        likes=info.likes or 0,
        tags=tags,
        license=_license(tags),
        languages=languages(getattr(info.card_data, "language", None)),
        library_name=info.library_name or infer_library_name(tags),
        source="hub",
        gated=bool(info.gated),
    )


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def _optional_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a string or null, got {value!r}")
    return value


def _card_from_cache(data: dict[str, Any], task: TaskSpec) -> ModelCard:
    return ModelCard(
        id=str(data["id"]),
        task=task.name,
        downloads=int(data["downloads"]),
        likes=int(data["likes"]),
        tags=_strings(data["tags"]),
        license=_optional_str(data["license"]),
        languages=_strings(data["languages"]),
        library_name=_optional_str(data["library_name"]),
        source="hub",
        gated=bool(data["gated"]),
    )


class HubListing:
    """Live Hub listing of a task's most downloaded models, degrading to a cache or to None.

    A listing younger than `ttl_seconds` is served from the on-disk cache without any request.
    Otherwise the Hub is asked, in a daemon thread that the caller waits on for at most
    `timeout_s`: `huggingface_hub` 2.4.0 sets no HTTP timeout on its shared client and retries
    5xx answers and network errors for about 23 seconds, so its own calls can hang or stall.
    After a failure or a timeout, the Hub is not asked again for `retry_after_s` (a circuit
    breaker shared by all tasks, since it is the Hub that is down). The breaker is kept on disk
    too (`hub/unreachable.json`, per endpoint), so the next process (the next `hugginggpt`
    command on a machine without network) does not wait `timeout_s` for it again; a success
    removes it. A request that outlives its caller still caches its answer when it finally
    arrives. Safe to share between threads.

    Args:
        api: Client to list with; its `endpoint` chooses the server. Defaults to `HfApi()`.
        cache_dir: Cache root; listings go to its `hub/` folder, one JSON file per task.
            Defaults to `default_cache_dir()`.
        ttl_seconds: Age below which a cached listing is used without asking the Hub.
        timeout_s: Longest a `list` call waits for the Hub.
        limit: Number of models requested per task.
        retry_after_s: Time after a failure during which the Hub is not asked again.

    Raises:
        ValueError: A negative duration, a non-positive `timeout_s` or a `limit` below 1.
    """

    def __init__(
        self,
        api: HfApi | None = None,
        *,
        cache_dir: str | Path | None = None,
        ttl_seconds: float = 86400,
        timeout_s: float = 3.0,
        limit: int = 30,
        retry_after_s: float = 300,
    ) -> None:
        """Set up the listing; nothing touches the network or the disk yet."""
        if ttl_seconds < 0 or retry_after_s < 0:
            raise ValueError("ttl_seconds and retry_after_s must be >= 0")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self._api = api if api is not None else HfApi()
        self._dir = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "hub"
        self._ttl = ttl_seconds
        self._timeout = timeout_s
        self._limit = limit
        self._retry_after = retry_after_s
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self._inflight: dict[str, _Fetch] = {}
        # Survives an unwritable cache directory, so the TTL still spares the Hub.
        self._memory: dict[str, _Listing] = {}

    @property
    def cache_dir(self) -> Path:
        """Folder holding the cached listings, one `<task>.json` per task."""
        return self._dir

    def cache_path(self, task: TaskSpec) -> Path:
        """Return the cache file of `task`'s listing."""
        return self._dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', task.name)}.json"

    def list(self, task: TaskSpec) -> list[ModelCard] | None:
        """Return the task's most downloaded Hub models, most downloaded first.

        Never raises for Hub trouble and never waits much longer than `timeout_s`.

        Args:
            task: The task; its `pipeline_tag` selects the models and its `hub_tags` must
                all be carried by each model.

        Returns:
            The fresh cached listing when there is one; otherwise the live listing. When
            Hub access is off (`HF_HUB_OFFLINE`), the Hub fails or times out, or the circuit
            breaker is open: the stale cached listing if any, else None.
        """
        cached = self._cached(task)
        if cached is not None and 0 <= time.time() - cached.fetched_at < self._ttl:
            return list(cached.cards)
        fallback = None if cached is None else list(cached.cards)
        if hub_offline():
            return fallback
        with self._lock:
            if self._breaker_open():
                return fallback
            fetch = self._inflight.get(task.name)
            if fetch is None:
                fetch = self._start(task)
        fetch.done.wait(self._timeout)
        with self._lock:
            listing = fetch.listing
            if listing is None:
                # A timeout trips the breaker too; a late success clears it again.
                self._trip(f"no answer within {self._timeout:g} s")
        if listing is None:
            return fallback
        return list(listing.cards)

    @property
    def breaker_path(self) -> Path:
        """The file that keeps the circuit breaker open across processes."""
        return self._dir / "unreachable.json"

    def _breaker_open(self) -> bool:
        if self._failed_at is not None:
            return time.monotonic() - self._failed_at < self._retry_after
        try:
            data = json.loads(self.breaker_path.read_text(encoding="utf-8"))
            if data["endpoint"] != self._api.endpoint:
                return False
            age = time.time() - float(data["failed_at"])
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError) as err:
            logger.warning("ignoring unreadable Hub breaker file %s: %s", self.breaker_path, err)
            return False
        if not 0 <= age < self._retry_after:
            return False
        # Held in memory from now on: the file is read once per process while it is open.
        self._failed_at = time.monotonic() - age
        logger.info(
            "not asking the Hub: it failed %.0f s ago (%s); next try after %.0f s",
            age,
            data.get("reason", "unknown"),
            self._retry_after - age,
        )
        return True

    def _trip(self, reason: str) -> None:
        """Open the breaker, here and on disk. Called with `_lock` held."""
        self._failed_at = time.monotonic()
        payload = {"endpoint": self._api.endpoint, "failed_at": time.time(), "reason": reason}
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            with staged_file(self.breaker_path, "w", prefix=".unreachable.", suffix=".tmp") as f:
                json.dump(payload, f)
        except OSError as err:
            logger.warning("could not keep the Hub breaker in %s: %s", self.breaker_path, err)

    def _reset(self) -> None:
        """Close the breaker, here and on disk. Called with `_lock` held."""
        self._failed_at = None
        try:
            self.breaker_path.unlink(missing_ok=True)
        except OSError as err:
            logger.warning("could not remove the Hub breaker %s: %s", self.breaker_path, err)

    def _start(self, task: TaskSpec) -> _Fetch:
        fetch = _Fetch()
        self._inflight[task.name] = fetch
        # A daemon thread, because a hung request must not keep the interpreter alive.
        threading.Thread(
            target=self._run, args=(task, fetch), name=f"hub-listing-{task.name}", daemon=True
        ).start()
        return fetch

    def _run(self, task: TaskSpec, fetch: _Fetch) -> None:
        try:
            cards = self._request(task)
        except Exception as err:  # noqa: BLE001 - any Hub trouble just means "no live listing"
            logger.info("Hub listing for %r failed: %s: %s", task.name, type(err).__name__, err)
            with self._lock:
                self._trip(f"{type(err).__name__}: {err}"[:300])
                self._inflight.pop(task.name, None)
        else:
            listing = _Listing(time.time(), tuple(cards))
            self._write(task, listing)
            with self._lock:
                self._reset()
                self._memory[task.name] = listing
                fetch.listing = listing
                self._inflight.pop(task.name, None)
        finally:
            fetch.done.set()

    # `builtins.list`, because inside this class `list` names the method above.
    def _request(self, task: TaskSpec) -> builtins.list[ModelCard]:
        required = {tag.lower() for tag in task.hub_tags}
        infos: Iterable[ModelInfo] = self._api.list_models(
            pipeline_tag=task.pipeline_tag,
            filter=list(task.hub_tags) or None,
            sort="downloads",
            limit=self._limit,
            expand=list(_EXPAND),
        )
        # The listing is lazy: iterating it is what sends the request.
        return [
            _card_from_info(info, task)
            for info in infos
            if required <= {tag.lower() for tag in info.tags or ()}
        ]

    def _cached(self, task: TaskSpec) -> _Listing | None:
        with self._lock:
            memory = self._memory.get(task.name)
        if memory is not None and time.time() - memory.fetched_at < self._ttl:
            return memory
        disk = self._read(task)
        if memory is None or (disk is not None and disk.fetched_at >= memory.fetched_at):
            return disk
        return memory

    def _read(self, task: TaskSpec) -> _Listing | None:
        path = self.cache_path(task)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data["version"] != _CACHE_VERSION or data["task"] != task.name:
                raise ValueError("written for another version or task")
            return _Listing(
                float(data["fetched_at"]),
                tuple(_card_from_cache(card, task) for card in data["cards"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            # Unusable, not fatal: the next successful fetch overwrites it.
            logger.warning("ignoring unreadable Hub listing cache %s: %s", path, err)
            return None

    def _write(self, task: TaskSpec, listing: _Listing) -> None:
        path = self.cache_path(task)
        payload = {
            "version": _CACHE_VERSION,
            "task": task.name,
            "fetched_at": listing.fetched_at,
            "cards": [card.to_dict() for card in listing.cards],
        }
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            # Written aside then renamed, so a concurrent reader never sees half a file.
            with staged_file(path, "w", prefix=f".{path.stem}.", suffix=".tmp") as handle:
                json.dump(payload, handle)
        except OSError as err:
            logger.warning("could not cache the Hub listing in %s: %s", path, err)
