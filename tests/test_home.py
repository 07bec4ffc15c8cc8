"""One declared home: every Binder, Colab and clone link names [project.urls] Homepage, and scripts/set_home.py moves it."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "set_home.py"
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
# Written independently of the script's own patterns, so a bug there cannot hide a stale link here.
KIT_LINK = re.compile(
    r"mybinder\.org/v2/gh/([^/\s]+/[^/\s]+)/"
    r"|colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/"
    r"|git clone [^\n]*?https://github\.com/([^/\s]+/[^/\s]+?)(?:\.git)?[\s\n]"
)


def home(root=REPO_ROOT):
    with open(root / "pyproject.toml", "rb") as f:
        url = tomllib.load(f)["project"]["urls"]["Homepage"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    return url.removeprefix("https://github.com/")


def kit_links(root=REPO_ROOT):
    """(where, OWNER/NAME) of each Binder/Colab/clone link in README and the notebooks' sources."""
    texts = [("README.md", (root / "README.md").read_text())]
    for path in sorted((root / "notebooks").glob("[0-9][0-9]*.ipynb")):
        texts += [(f"{path.name} cell {i}", c.source) for i, c in enumerate(nbformat.read(path, as_version=4).cells)]
    return [(where, next(g for g in m.groups() if g)) for where, text in texts for m in KIT_LINK.finditer(text + "\n")]


def set_home(*args, root=None):
    extra = ["--root", str(root)] if root else []
    return subprocess.run([sys.executable, "-P", str(SCRIPT), *extra, *args], capture_output=True, text=True, timeout=60)


def copy_course(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / "notebooks" / path.name)
    return tmp_path


def test_every_link_to_the_repository_names_the_declared_home():
    links = kit_links()
    kinds = [where for where, _ in links]
    assert sum(w == "README.md" for w in kinds) >= 2, "README's Binder and Colab badges"
    assert len(links) >= 2 + 2 * len(NOTEBOOKS), "each notebook's Colab badge and clone cell"
    wrong = [f"{where}: {repo}" for where, repo in links if repo != home()]
    assert not wrong, f"links that differ from pyproject.toml's home {home()}: {wrong}; run python scripts/set_home.py"
    for path in NOTEBOOKS:  # the Colab cell clones into /content/NAME and works there
        colab_cell = nbformat.read(path, as_version=4).cells[1].source
        assert set(re.findall(r"/content/([\w.-]+)", colab_cell)) == {home().split("/")[1]}, path.name
    run = set_home("--check")
    assert run.returncode == 0, run.stdout + run.stderr


def test_set_home_moves_every_link_and_nothing_else(tmp_path):
    root = copy_course(tmp_path)
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    old, new = home(), "someone-else/my-course"

    run = set_home(f"https://github.com/{new}", root=root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert home(root) == new
    check = set_home("--check", root=root)
    assert check.returncode == 0 and new in check.stdout, check.stdout + check.stderr
    links = kit_links(root)
    assert len(links) == len(kit_links()) and {repo for _, repo in links} == {new}
    for path, content in before.items():
        text = (root / path).read_text()
        assert old not in text and f"/content/{old.split('/')[1]}" not in text, path
        # Undo the two replacements: what is left must be the original file, byte for byte (outputs, ids, metadata).
        undone = text.replace(new, old).replace("/content/my-course", f"/content/{old.split('/')[1]}")
        assert undone.encode() == content, f"{path}: set_home changed more than the links"
    for path in NOTEBOOKS:  # and only the cells that hold a link
        cells = zip(nbformat.read(path, as_version=4).cells, nbformat.read(root / "notebooks" / path.name, as_version=4).cells)
        for i, (a, b) in enumerate(cells):
            if a.source == b.source:
                assert a == b, f"{path.name} cell {i}"
            else:
                assert old in a.source and {k: v for k, v in a.items() if k != "source"} == {
                    k: v for k, v in b.items() if k != "source"}, f"{path.name} cell {i}"

    back = set_home(f"https://github.com/{old}", root=root)  # and back again, to the very bytes
    assert back.returncode == 0, back.stdout + back.stderr
    assert {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_check_lists_each_link_that_differs(tmp_path):
    root = copy_course(tmp_path)
    nb_path = root / "notebooks" / NOTEBOOKS[3].name
    nb_path.write_text(nb_path.read_text().replace(f"colab.research.google.com/github/{home()}/",
                                                   "colab.research.google.com/github/stale/fork/"))
    readme = root / "README.md"
    readme.write_text(readme.read_text().replace(f"mybinder.org/v2/gh/{home()}/", "mybinder.org/v2/gh/stale/fork/"))
    run = set_home("--check", root=root)
    assert run.returncode == 1
    listed = run.stdout.splitlines()
    assert len(listed) == 2, run.stdout
    assert listed[0].startswith("README.md: Binder link names stale/fork")
    assert listed[1].startswith(f"notebooks/{NOTEBOOKS[3].name} cell 0") and "Colab link names stale/fork" in listed[1]
    # Rewriting to the declared home repairs them; a link to another project (FAISS) is left alone.
    assert set_home(root=root).returncode == 0
    assert set_home("--check", root=root).returncode == 0
    faiss = "https://github.com/facebookresearch/faiss"
    assert [p.name for p in NOTEBOOKS if faiss in p.read_text()] == [
        p.name for p in NOTEBOOKS if faiss in (root / "notebooks" / p.name).read_text()]


def test_set_home_refuses_what_is_not_a_github_repository(tmp_path):
    root = copy_course(tmp_path)
    run = set_home("https://gitlab.com/a/b", root=root)
    assert run.returncode != 0 and "https://github.com/OWNER/NAME" in run.stderr
    assert (root / "pyproject.toml").read_bytes() == (REPO_ROOT / "pyproject.toml").read_bytes()
