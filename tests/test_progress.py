"""Saved progress bars read as finished (what GitHub and nbviewer show of a committed notebook)."""

import nbformat
from nbclient import NotebookClient

from course_utils.progress import progress_bar


def test_outside_a_notebook_it_is_tqdms_own_bar():
    assert sum(progress_bar(range(3), desc="x", disable=True)) == 3


def test_a_saved_notebook_bar_shows_its_final_state():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from course_utils.progress import progress_bar\n"
        "for _ in progress_bar(range(5), desc='Generating', unit='batch'):\n    pass\n"
        "bar = progress_bar(total=4, desc='Training', unit='step')\nbar.update(4)\nbar.close()"
    )]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    texts = [o["data"]["text/plain"] for o in nb.cells[0].outputs if "text/plain" in o.get("data", {})]
    assert len(texts) == 2, texts  # one output per bar: closing replaces it, it does not add another
    assert "Generating: 100%" in texts[0] and "5/5" in texts[0]
    assert "Training: 100%" in texts[1] and "4/4" in texts[1]
