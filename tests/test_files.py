"""Atomic writes: a crash in the middle of a save leaves the previous version intact and no temporary files."""

import json

import pytest

from course_utils import files, finetune, results


class Crash(RuntimeError):
    pass


def test_a_crash_while_writing_a_file_keeps_the_old_one(tmp_path):
    target = files.write_json_atomic(tmp_path / "figures.json", {"seconds": 1})
    with pytest.raises(Crash):
        with files.atomic_path(target) as tmp:
            tmp.write_text('{"seconds": 2, "half of')  # the new file, half written
            raise Crash
    assert json.loads(target.read_text()) == {"seconds": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"]


def test_an_object_that_cannot_be_written_leaves_the_old_file(tmp_path):
    target = files.write_json_atomic(tmp_path / "figures.json", {"seconds": 1})
    with pytest.raises(TypeError):
        files.write_json_atomic(target, {"seconds": 2, "model": object()})
    assert json.loads(target.read_text()) == {"seconds": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"]


def test_a_crash_while_saving_an_adapter_keeps_the_old_adapter(tmp_path):
    class Model:
        def __init__(self, text, crash=False):
            self.text, self.crash = text, crash

        def save_pretrained(self, folder):
            (folder / "adapter_model.safetensors").write_text(self.text)
            if self.crash:
                raise Crash

    adapter = tmp_path / "run" / "adapter"
    finetune.save_adapter(Model("first"), adapter)
    finetune.save_adapter(Model("second"), adapter)
    assert (adapter / "adapter_model.safetensors").read_text() == "second"
    with pytest.raises(Crash):
        finetune.save_adapter(Model("third", crash=True), adapter)
    assert (adapter / "adapter_model.safetensors").read_text() == "second"
    assert sorted(p.name for p in adapter.parent.iterdir()) == ["adapter"]


def test_a_crash_while_saving_the_scoreboard_keeps_the_old_one(tmp_path, monkeypatch):
    board = json.loads(results.REFERENCE_PATH.read_text())  # a valid scoreboard: the committed reference run
    path = results.save_scoreboard(board, tmp_path / "scoreboard.json")
    before = path.read_text()

    def crash(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(files.Path, "write_text", crash)
    with pytest.raises(Crash):
        results.save_scoreboard(board, path)
    monkeypatch.undo()
    assert path.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["scoreboard.json"]
