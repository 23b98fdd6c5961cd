"""The latent-arithmetic widgets in a real browser: JupyterLab + headless Chromium (Playwright's Python client).

Runs a copy of `nbs/07_widgets.ipynb` (made under the git-ignored `runs/`, so nothing is written into `nbs/`),
moves a gain slider with the keyboard and checks that the SI-SDR readout changes. Screenshots: `runs/browser/…`
and `figures/widgets.png` (for the README). Skips, saying why, without /usr/bin/chromium or the playwright package.
Timeouts can be raised with LINCAE_BROWSER_TIMEOUT (seconds for running the notebook; default 900).
"""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NOTEBOOK = "07_widgets.ipynb"
RUN_TIMEOUT = float(os.environ.get("LINCAE_BROWSER_TIMEOUT", 900))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def write_settings(folder: Path):
    "JupyterLab user settings: every cell in the DOM (no windowing), start the kernel without asking, no news or update checks."
    settings = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
                "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}
    for plugin, values in settings.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True); path.write_text(json.dumps(values))


def wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None: pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200: return
        except OSError: time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer {url} within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(repo, tmp_path):
    "A JupyterLab server on a free port with a random token, rooted at the repo, isolated config/settings dirs."
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "PYTHONUNBUFFERED": "1"}
    env.pop("IN_TEST", None)                       # the notebook runs as a reader would run it
    write_settings(tmp_path / "settings")
    log = tmp_path / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={repo}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(f"{base}/api/status?token={token}", proc, log)
        yield base, token, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)            # the server and the kernels it started (its own group)
            try: proc.wait(20)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()


def cell_state(page) -> dict:
    "Counts of the notebook's code-cell prompts: running/queued ([*]), executed ([n]) and all."
    return page.evaluate("""() => {
        const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent);
        return {total: p.length, running: p.filter(t => t.includes('*')).length, done: p.filter(t => /\\[\\d+\\]/.test(t)).length};
    }""")


def error_text(page) -> str:
    return "\n".join(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts())[-4000:]


def run_all_cells(page, timeout: float):
    "Run > Run All Cells (retried: the command is disabled until the notebook is the current widget), then wait."
    for attempt in range(5):
        page.locator(".jp-Notebook .jp-InputArea-prompt").first.click()      # make the notebook the current widget
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
        try:
            item.click(timeout=10_000)
            page.wait_for_function("() => [...document.querySelectorAll('.jp-InputArea-prompt')].some(e => /\\*|\\d/.test(e.textContent))",
                                   timeout=20_000)
            break
        except Exception:
            page.keyboard.press("Escape"); time.sleep(2)
    else: pytest.fail("Run > Run All Cells did not start the notebook")
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = cell_state(page)
        if state["running"] == 0:
            assert state["done"] == state["total"], f"a cell failed ({state}):\n{error_text(page)}"
            return state
        time.sleep(1)
    pytest.fail(f"the notebook did not finish within {timeout} s ({cell_state(page)})")


def test_widgets_in_jupyterlab(repo, jupyterlab, tmp_path):
    if not CHROMIUM.exists(): pytest.skip(f"{CHROMIUM} not found (Debian: apt-get install -y chromium)")
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.skip("the playwright Python package is not installed (pip install playwright)")
    base, token, log = jupyterlab
    t0 = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = repo / "runs" / "browser" / stamp
    out.mkdir(parents=True)
    shutil.copy(repo / "nbs" / NOTEBOOK, out / NOTEBOOK)              # run a copy: nothing is written into nbs/
    url = f"{base}/lab/tree/{out.relative_to(repo).as_posix()}/{NOTEBOOK}?token={token}&reset"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            page.goto(url, timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            run_all_cells(page, RUN_TIMEOUT)
            app = page.locator(".lincae-app").first
            app.wait_for(timeout=60_000)
            readout = app.locator(".lincae-mix-sisdr")
            page.wait_for_function("() => (document.querySelector('.lincae-app .lincae-mix-sisdr') || {}).textContent?.includes('SI-SDR')",
                                   timeout=60_000)
            assert app.locator(".widget-slider").count() >= 4, "the gain sliders did not render"
            assert app.locator(".lincae-mute-vocals").count() == 1 and app.locator("audio").count() >= 2
            assert app.locator("img").count() >= 2, "the spectrograms did not render"
            before = readout.inner_text()
            handle = app.locator(".lincae-gain-vocals .noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            handle.press("PageDown")                                      # one change: 1.00 → 0.75
            page.wait_for_function("(before) => { const e = document.querySelector('.lincae-app .lincae-mix-sisdr');"
                                   " return e && e.textContent !== before && e.textContent.includes('vocals 0.75'); }",
                                   arg=before, timeout=300_000)
            page.wait_for_function("() => !document.querySelector('.lincae-app').textContent.includes('decoding')",
                                   timeout=120_000)
            after = readout.inner_text()
            assert after != before and "SI-SDR" in after, (before, after)
            db = lambda text: [float(x) for x in re.findall(r"(-?\d+(?:\.\d+)?) dB", text)]
            assert db(before) and db(after) and db(before) != db(after), f"the SI-SDR value did not change: {before!r} → {after!r}"
            timing = app.locator(".lincae-mix-timing").inner_text()
            app.scroll_into_view_if_needed()
            page.screenshot(path=str(out / "page.png"), full_page=False)
            app.screenshot(path=str(out / "widgets.png"))
            if os.environ.get("LINCAE_SAVE_SCREENSHOT"):                 # refresh the README's picture on request only
                shutil.copy(out / "widgets.png", repo / "figures" / "widgets.png")
        except Exception:
            page.screenshot(path=str(out / "failure.png"))
            raise
        finally:
            context.close(); browser.close()
    print(f"\nbrowser test: readout {before!r} → {after!r}; {timing}; {time.time() - t0:.0f} s; screenshots in {out}")
