"""Every notebook in a real browser (JupyterLab, headless Chromium, tests/browser_harness.py).

- The cheap notebooks (00 and 01, under a minute and a half each) run top to bottom through the UI (Run > Run All
  Cells): no error output, and every widget output is drawn as a widget, not as its text fallback.
- The heavy ones (02 to 05, several minutes each, which the suite already executes under nbval) are opened with
  their committed outputs, as a learner who reads before running sees them: no error output, every stored image
  drawn, and every progress bar's saved text finished (JupyterLab shows a committed widget's text, not the widget). Notebook 06 has its own interactive test (tests/test_browser.py).

Screenshots (1280 x 800) land in test-artefacts/browser/.
"""

import shutil

import nbformat
import pytest

from browser_harness import (REPO_ROOT, clean_copy, hide_left_sidebar, open_page, run_all_cells, screenshot, serve,
                             skip_reason)

pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")

NOTEBOOKS = REPO_ROOT / "notebooks"
RUN_THROUGH_THE_UI = ["00_start_here", "01_rag_from_scratch"]
OPEN_AS_COMMITTED = ["02_rag_in_practice", "03_finetuning_with_lora", "04_can_finetuning_teach_facts",
                     "05_rag_plus_finetuning", "05b_update_latency_and_levers"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stored_outputs(path) -> tuple[int, int]:
    """How many widget views and images the committed notebook shows: a cell whose outputs are collapsed (a "predict
    first" answer, cell metadata jupyter.outputs_hidden) draws none until the learner opens it."""
    outputs = [o for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
               and not c.metadata.get("jupyter", {}).get("outputs_hidden") for o in c.outputs]
    widgets = sum(WIDGET_VIEW in o.get("data", {}) for o in outputs)
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    return widgets, images


def errors_on(page) -> list[str]:
    texts = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()
    return [t[:300] for t in texts]


def widget_fallbacks(page) -> list[str]:
    """Text a widget output shows when the browser could not draw it (e.g. 'HBox(children=...' or 'Loading widget')."""
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    return [t[:120] for t in texts if t.startswith(("HBox(", "VBox(", "FloatProgress(", "IntProgress(")) or
            "Loading widget..." in t or "Error displaying widget" in t]


@pytest.mark.parametrize("name", RUN_THROUGH_THE_UI)
def test_a_cheap_notebook_runs_in_jupyterlab(name, tmp_path):
    clean_copy(NOTEBOOKS / f"{name}.ipynb", tmp_path)
    with serve("lab", tmp_path) as server, open_page(timeout_ms=60_000) as page:
        page.goto(server.url(f"lab/tree/{name}.ipynb"))
        hide_left_sidebar(page)
        run_all_cells(page, timeout_ms=300_000)
        page.wait_for_timeout(1000)  # the last widget updates
        assert errors_on(page) == [], "a cell failed"
        assert widget_fallbacks(page) == [], "a widget was not drawn"
        screenshot(page, f"run-{name}")


@pytest.mark.parametrize("name", OPEN_AS_COMMITTED)
def test_a_heavy_notebook_renders_its_committed_outputs(name, tmp_path):
    shutil.copy(NOTEBOOKS / f"{name}.ipynb", tmp_path)
    widgets, images = stored_outputs(tmp_path / f"{name}.ipynb")
    with serve("lab", tmp_path) as server, open_page(timeout_ms=60_000) as page:
        page.goto(server.url(f"lab/tree/{name}.ipynb"))
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        hide_left_sidebar(page)
        page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea-output img').length >= {images}",
                               timeout=60_000)
        assert errors_on(page) == [], "a stored error output"
        # JupyterLab does not redraw a committed widget without its kernel: it shows the widget's saved text, which
        # must read as finished (course_utils/progress.py), never as the "0%" of a bar saved when it started.
        texts = page.locator(".jp-OutputArea-output").all_inner_texts()
        bars = [t for t in texts if "|" in t and "%" in t and ("Training" in t or "Generating" in t)]
        assert len(bars) + page.locator(".jp-OutputArea-output .jupyter-widgets").count() >= min(widgets, 1)
        assert all("100%" in t for t in bars), [t[:80] for t in bars if "100%" not in t]
        screenshot(page, f"open-{name}")
