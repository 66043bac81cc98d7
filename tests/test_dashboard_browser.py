"""The dashboard in a real browser: ``twin dashboard`` on a free localhost port, Debian's chromium driven by
Playwright, every page visited and its main action clicked, a screenshot of each page saved under
``test-output/dashboard/`` for a person to look at. Runs are tiny (3 days, 3 replications)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUT = Path(__file__).resolve().parents[1] / "test-output" / "dashboard"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
LONG = 240_000  # ms: the compare run on a loaded CI machine

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``twin dashboard`` on a free port, stopped (with the streamlit it started) by its process group."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_SERVER_HEADLESS": "true"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "twin.cli", "dashboard", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(proc.stdout.read().decode(errors="replace")) from None
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _shot(page, name: str) -> None:
    """The page as tall as its content (Streamlit scrolls inside its own container, not the window)."""
    height = page.locator('[data-testid="stMainBlockContainer"]').evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1500, "height": min(max(1000, height + 40), 6000)})
    page.wait_for_timeout(1000)  # let plotly redraw at the new size
    page.screenshot(path=str(OUT / f"{name}.png"))
    page.set_viewport_size({"width": 1500, "height": 1000})


def _go(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


def test_every_page_in_a_real_browser(server):
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        try:
            _visit_every_page(page, server)
        except Exception:
            page.screenshot(path=str(OUT / "failed.png"))
            raise
        finally:
            browser.close()


def _visit_every_page(page, server: str) -> None:
    page.set_default_timeout(LONG)
    started = time.monotonic()
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_text("Tier met today").wait_for()
    page.get_by_text("Reference upgrade paths").wait_for()
    tier_s = time.monotonic() - started
    page.locator('[data-testid="stMetricLabel"]', has_text="Lead time (mean)").wait_for()
    kpis_s = time.monotonic() - started
    print(f"first page: tier and paths after {tier_s:.1f} s, baseline KPIs after {kpis_s:.1f} s")
    assert tier_s < 15
    page.locator('[data-testid="stPlotlyChart"]').nth(2).wait_for()  # flows and the time model
    _no_error(page)
    _shot(page, "1_plant")

    page.get_by_text("Simulation settings").click()
    for label, value in (("Warm-up days cut from each run", "1"), ("Simulated days per run", "3")):
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Enter")
        page.wait_for_timeout(1500)

    _go(page, "Tier assessment")
    page.get_by_text("Indicative self-assessment").wait_for()
    _no_error(page)
    _shot(page, "2_assessment")

    _go(page, "Upgrade planner")
    page.get_by_role("button", name="Load path").click()
    page.get_by_role("button", name="Run the plan").click()
    page.locator('[data-testid="stMetricLabel"]', has_text="Plan capex").wait_for()
    page.get_by_text("KPIs after each stage against today").wait_for()
    _no_error(page)
    _shot(page, "3_planner")

    _go(page, "Financials")
    page.get_by_role("button", name="Value the path").click()
    page.locator('[data-testid="stMetricLabel"]', has_text="NPV mean").wait_for()
    page.locator('[data-testid="stPlotlyChart"]').nth(2).wait_for()
    _no_error(page)
    _shot(page, "4_financials")

    _go(page, "Compare paths")
    page.get_by_role("button", name="Compare the paths").click()
    page.get_by_text("Best path:").wait_for()
    page.get_by_role("button", name="Download the HTML report").wait_for()
    _no_error(page)
    _shot(page, "5_compare")

    _go(page, "Training")
    page.get_by_role("tab").first.wait_for()
    page.locator(".updatemenu-button").first.click()  # plotly's play control
    page.wait_for_timeout(2000)
    _no_error(page)
    _shot(page, "6_training")

    page.get_by_text("中文").click()
    page.get_by_role("heading", name="培训").first.wait_for()
    _shot(page, "7_training_zh")
    page.get_by_role("link", name="工厂").click()
    page.get_by_text("当前达到梯度").wait_for()
    _shot(page, "8_plant_zh")
