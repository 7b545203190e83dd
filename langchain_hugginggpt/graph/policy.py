"""Deployment policy: what a run's `context` may ask for on a served graph.

A graph served over HTTP (`langgraph dev`, LangGraph Server) takes a `context` from any client.
Some settings decide what the server itself may touch or spend: which folders it reads, whether
it fetches from the local network, how large an input it accepts, whether models run remotely
on its tokens, and which controller LLMs it creates on its keys. Those are fixed where the graph
is built (arguments of `create_hugginggpt_graph`, then the environment); a run may narrow them,
never widen them. Every other setting is the run's to choose.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from langchain_hugginggpt.artifacts.inputs import default_roots
from langchain_hugginggpt.graph.context import Context

__all__ = [
    "ALLOWED_CONTROLLERS_ENV",
    "POLICY_FIELDS",
    "Policy",
    "PolicyError",
    "allowed_controllers_from",
    "run_context",
]

ALLOWED_CONTROLLERS_ENV = "HUGGINGGPT_ALLOWED_CONTROLLERS"
"""Comma-separated PROVIDER:MODEL controllers a run may pick when the builder names none."""

POLICY_FIELDS = frozenset(
    {"input_roots", "allow_private_urls", "max_input_mb", "inference_mode", "controller"}
)
"""`Context` fields that are deployment policy: a run's value is checked, not just taken."""

_MODES_WITHIN = {
    "auto": frozenset({"auto", "local", "remote"}),
    "local": frozenset({"local"}),
    "remote": frozenset({"remote"}),
}
"""Inference modes a run may pick under each deployment mode (`auto` allows either place)."""


class PolicyError(ValueError):
    """A run's context asked for more than the deployment allows; nothing of the run ran."""


@dataclass(frozen=True)
class Policy:
    """The limits a run's context must stay within, fixed when the graph is built.

    Attributes:
        roots: Folders (resolved) a run's `input_roots` may name or lie inside: the working
            directory, the deployment's input roots and the run folders.
        allow_private_urls: Whether a run may fetch from loopback and private networks.
        max_input_mb: Largest input a run may accept.
        inference_mode: The deployment's mode; a run may pick a mode it includes.
        controllers: Controller strings a run may name; "" (the graph's own) is always allowed.
    """

    roots: tuple[Path, ...]
    allow_private_urls: bool
    max_input_mb: float
    inference_mode: str
    controllers: frozenset[str]

    @classmethod
    def of(cls, defaults: Context, *, artifacts_root: Path, controllers: Iterable[str]) -> Policy:
        """The policy of a graph built with `defaults` and allowing `controllers`.

        The graph's default controller is always allowed, so that a run naming it explicitly
        is not refused.
        """
        allowed = {c.strip() for c in controllers if c.strip()}
        allowed |= {"", defaults.controller.strip()}
        return cls(
            roots=default_roots([*_split_roots(defaults.input_roots), artifacts_root]),
            allow_private_urls=defaults.allow_private_urls,
            max_input_mb=defaults.max_input_mb,
            inference_mode=defaults.inference_mode,
            controllers=frozenset(allowed),
        )

    def violations(self, run: Context) -> list[str]:
        """What `run` asks for beyond this policy, one message per setting, naming it."""
        asked = run.explicit_fields & POLICY_FIELDS
        problems: list[str] = []
        if "input_roots" in asked:
            problems += self._root_violations(run.input_roots)
        if "allow_private_urls" in asked and run.allow_private_urls and not self.allow_private_urls:
            problems.append(
                "context.allow_private_urls: true is refused: the deployment does not allow "
                "URLs on loopback or private networks"
            )
        if "max_input_mb" in asked and run.max_input_mb > self.max_input_mb:
            problems.append(
                f"context.max_input_mb: {run.max_input_mb:g} is above the deployment's limit "
                f"of {self.max_input_mb:g}"
            )
        if "inference_mode" in asked and run.inference_mode not in self._modes():
            problems.append(
                f"context.inference_mode: {run.inference_mode!r} is refused: the deployment "
                f"runs models {self.inference_mode!r} only"
            )
        if "controller" in asked and run.controller.strip() not in self.controllers:
            problems.append(
                f"context.controller: {run.controller.strip()!r} is not one of the "
                f"deployment's controllers {sorted(c for c in self.controllers if c)}"
            )
        return problems

    def _modes(self) -> frozenset[str]:
        return _MODES_WITHIN.get(self.inference_mode, frozenset({self.inference_mode}))

    def _root_violations(self, input_roots: str) -> list[str]:
        """Each folder of a run's `input_roots` must resolve (symlinks too) inside a root."""
        listed = ", ".join(str(r) for r in self.roots)
        return [
            f"context.input_roots: {folder} is outside the deployment's input roots [{listed}]"
            for folder in _split_roots(input_roots)
            if not _inside(_resolved(folder), self.roots)
        ]


def run_context(defaults: Context, policy: Policy, run: Context | None) -> Context:
    """The settings a run uses: the graph's defaults, with the fields the run set.

    Raises:
        PolicyError: the run asked for more than `policy` allows; the message names every such
            setting. Raised before anything of the run happens.
    """
    if run is None or run is defaults:
        return defaults
    problems = policy.violations(run)
    if problems:
        raise PolicyError("run refused: " + "; ".join(problems))
    changes = {f.name: getattr(run, f.name) for f in fields(run) if f.name in run.explicit_fields}
    return defaults.with_overrides(**changes) if changes else defaults


def allowed_controllers_from(explicit: Iterable[str] | None) -> tuple[str, ...]:
    """The controllers a run may pick: `explicit` if given (even empty), else the environment."""
    if explicit is not None:
        return tuple(c.strip() for c in explicit if c.strip())
    raw = os.environ.get(ALLOWED_CONTROLLERS_ENV, "")
    return tuple(c.strip() for c in raw.split(",") if c.strip())


def _split_roots(value: str) -> list[str]:
    return [p.strip() for p in value.split(os.pathsep) if p.strip()]


def _resolved(folder: str) -> Path:
    return Path(folder).expanduser().resolve()


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)
