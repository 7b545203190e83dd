"""The web page end to end in headless Chromium: upload, ask, live plan, answer with audio.

The graph is the CLI's: guided planning, the real packaged engines (faster-whisper, Piper). The
controller is a loopback OpenAI-compatible server answering from a script.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt import create_hugginggpt_graph
from langchain_hugginggpt.engines import default_engines
from langchain_hugginggpt.offline.sample import make_sample
from tests.unit_tests.fake_openai import FakeOpenAIServer

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def controller(body: dict[str, Any]) -> str:
    system = str(body["messages"][0]["content"])
    if "model-selection stage" in system:
        return json.dumps({"selections": []})
    return "I transcribed your recording and read it aloud."


@pytest.fixture(params=[False, True], ids=["direct", "approval"])
def page(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, str, bool]]:
    from langgraph.checkpoint.memory import InMemorySaver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from langchain_hugginggpt.ui.app import build_app, upload_dir

    assert CHROMIUM.exists() and DRIVER.exists(), "make test installs chromium and chromedriver"
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("SE_OFFLINE", "true")
    with FakeOpenAIServer([], route=controller) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
        graph = create_hugginggpt_graph(
            "openai:local",
            engines=default_engines(),
            checkpointer=InMemorySaver(),
            artifacts_dir=tmp_path / "runs",
            planner="guided",
            controller_tasks="",
            input_roots=str(upload_dir()),
            approve_plan=request.param,
        )
        app = build_app(graph, artifacts_dir=tmp_path / "runs")
        _, url, _ = app.launch(
            server_name="127.0.0.1",
            server_port=None,
            share=False,
            quiet=True,
            prevent_thread_lock=True,
            allowed_paths=app.hugginggpt_allowed_paths,
        )
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--window-size=1400,1000",
        ):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
        try:
            yield driver, url, request.param
        finally:
            driver.quit()
            app.close()


def test_upload_ask_and_get_audio_back(page: tuple[Any, str, bool], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver, url, approval = page
    recording = make_sample(tmp_path / "note.wav", "The museum opens at ten tomorrow.")
    driver.get(url)
    wait = WebDriverWait(driver, 60)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#chat-input textarea")))
    driver.find_element(By.CSS_SELECTOR, "#chat-input input[type=file]").send_keys(str(recording))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#chat-input .thumbnail-item")))
    driver.find_element(By.CSS_SELECTOR, "#chat-input textarea").send_keys(
        "transcribe this recording and read the transcript aloud"
    )
    driver.find_element(By.CSS_SELECTOR, "#chat-input button.submit-button").click()
    if approval:
        # The run pauses with the plan and the chosen models; nothing has run yet.
        approve = wait.until(ec.visibility_of_element_located((By.ID, "approve-btn")))
        review = driver.find_element(By.CSS_SELECTOR, "#review").text
        assert "automatic-speech-recognition" in review and "Nothing has run yet" in review
        assert driver.find_elements(By.ID, "cancel-btn") and driver.find_elements(By.ID, "edit-btn")
        statuses = driver.find_elements(By.CSS_SELECTOR, "#plan svg g.plan-node")
        assert {n.get_attribute("data-status") for n in statuses} == {"pending"}
        approve.click()
    WebDriverWait(driver, 240).until(
        lambda d: "read it aloud" in d.find_element(By.CSS_SELECTOR, "#chat").text
    )
    nodes = driver.find_elements(By.CSS_SELECTOR, "#plan svg g.plan-node")
    assert [n.get_attribute("data-status") for n in nodes] == ["ok", "ok"]
    assert driver.find_elements(By.CSS_SELECTOR, "#plan svg line.plan-edge")
    players = driver.find_elements(By.CSS_SELECTOR, '#chat [data-testid="waveform-Audio"]')
    assert len(players) >= 2  # the upload and the spoken answer
    links = {a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#models a")}
    assert any(h.startswith("https://huggingface.co/") for h in links)
    driver.save_screenshot(str(tmp_path / "page.png"))
    assert (tmp_path / "page.png").stat().st_size > 10_000
