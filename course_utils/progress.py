"""Progress bars that read well live and once saved.

`progress_bar(...)` is `tqdm.auto.tqdm(...)`, with one difference in a notebook: the widget bar's plain-text form
(what GitHub, nbviewer and a notebook opened without its widget state show) is refreshed when the bar closes, so
a saved notebook reads "Training: 100%|...| 70/70" instead of the "0%" it held when the bar first appeared.
"""

from __future__ import annotations


def progress_bar(iterable=None, **kwargs):
    """A tqdm bar (same arguments as ``tqdm.auto.tqdm``) whose saved notebook output shows its final state."""
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm_notebook

    if not (isinstance(tqdm, type) and issubclass(tqdm, tqdm_notebook)):
        return tqdm(iterable, **kwargs)  # a terminal or a script: tqdm's text bar already ends in its final state
    return _saved_state_bar_class()(iterable, **kwargs)


def _saved_state_bar_class():
    from IPython.display import display
    from tqdm.notebook import tqdm_notebook

    class SavedStateBar(tqdm_notebook):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, display=False, **kwargs)
            self._handle = None
            if not self.disable:
                # subtle: displayed with a display id, so that close() can replace the output, not add one
                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self):
            super().close()
            if getattr(self, "_handle", None) is not None:
                self._handle.update(self.container)  # the widget again, with its text form now final
                self._handle = None

    return SavedStateBar
