import pytest

from langchain_hugginggpt import Context


def test_defaults() -> None:
    ctx = Context()
    assert (ctx.top_k, ctx.max_repairs, ctx.max_concurrency, ctx.inference_mode) == (
        5,
        2,
        4,
        "auto",
    )


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "3")
    monkeypatch.setenv("HUGGINGGPT_INFERENCE_MODE", "local")
    monkeypatch.setenv("HUGGINGGPT_TASK_TIMEOUT_S", "1.5")
    monkeypatch.setenv("HUGGINGGPT_ALLOW_GATED", "no")
    ctx = Context()
    assert (ctx.top_k, ctx.inference_mode, ctx.task_timeout_s, ctx.allow_gated) == (
        3,
        "local",
        1.5,
        False,
    )


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "3")
    assert Context(top_k=7).top_k == 7


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HUGGINGGPT_TOP_K", "many", "HUGGINGGPT_TOP_K='many' is not a valid int"),
        (
            "HUGGINGGPT_ALLOW_GATED",
            "perhaps",
            "HUGGINGGPT_ALLOW_GATED='perhaps' is not a valid bool",
        ),
        ("HUGGINGGPT_TOP_K", "0", "top_k must be at least 1, got 0"),
        ("HUGGINGGPT_INFERENCE_MODE", "cloud", "inference_mode must be local, remote or auto"),
    ],
)
def test_bad_environment_values_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        Context()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_repairs": -1}, "max_repairs must be 0 or more"),
        ({"max_concurrency": 0}, "max_concurrency must be at least 1"),
        ({"task_timeout_s": 0}, "task_timeout_s must be positive"),
        ({"hub_timeout_s": -1.0}, "hub_timeout_s must be positive"),
        ({"max_result_chars": 10}, "max_result_chars must be at least 50"),
    ],
)
def test_bad_values_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Context(**kwargs)


def test_excluded_licenses_are_normalised() -> None:
    assert Context(exclude_licenses=" CC-BY-NC-4.0, openrail ,").excluded_licenses == frozenset(
        {"cc-by-nc-4.0", "openrail"}
    )


def test_every_field_is_described_for_studio() -> None:
    from dataclasses import fields

    assert all(f.metadata.get("description") for f in fields(Context))


def test_with_overrides() -> None:
    assert Context().with_overrides(top_k=2).top_k == 2
    with pytest.raises(TypeError):
        Context().with_overrides(nope=1)
