import importlib
import pkgutil

import langchain_hugginggpt

EXPECTED_ALL = [
    "TASKS",
    "Catalog",
    "Context",
    "ControllerError",
    "ControllerNotConfiguredError",
    "Engine",
    "EngineError",
    "EngineRequest",
    "HFTaskTool",
    "HuggingGPTTool",
    "ModelCard",
    "PlanParseError",
    "PolicyError",
    "PlannedTask",
    "State",
    "TaskSpec",
    "create_hugginggpt_graph",
    "create_hugginggpt_tool",
    "default_catalog",
    "hf_task_tools",
    "parse_plan",
    "postgres_checkpointer",
    "sqlite_checkpointer",
    "validate_plan",
]


def test_all_imports() -> None:
    assert langchain_hugginggpt.__all__ == EXPECTED_ALL
    for name in EXPECTED_ALL:
        assert getattr(langchain_hugginggpt, name) is not None


def test_every_module_declares_all_and_exports_what_exists() -> None:
    for info in pkgutil.walk_packages(langchain_hugginggpt.__path__, "langchain_hugginggpt."):
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{info.name} has no __all__"
        for name in exported:
            assert hasattr(module, name), f"{info.name}.__all__ names missing {name}"


def test_studio_graph_is_exported_without_checkpointer() -> None:
    module = importlib.import_module("graphs.hugginggpt")
    assert module.graph.checkpointer is None
    assert set(module.graph.get_graph().nodes) >= {"plan", "select", "execute", "respond"}


def test_import_sets_passive_openmp_waiting_unless_set() -> None:
    import os
    import subprocess
    import sys

    code = "import os, langchain_hugginggpt; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "PASSIVE", out.stderr
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ACTIVE"
