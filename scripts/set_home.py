"""Keep every link to the course's repository on the one home declared in pyproject.toml.

The home is `[project.urls] Homepage` in pyproject.toml, e.g. "https://github.com/finetune-or-rag/course-kit".
Written from it: README's Binder and Colab badges, each notebook's Colab badge, and each notebook's Colab cell
(`git clone https://github.com/OWNER/NAME /content/NAME`, whose folder is named after the repository).

    python scripts/set_home.py https://github.com/you/your-fork   declare a new home and rewrite every link to it
    python scripts/set_home.py                                   rewrite every link to the declared home
    python scripts/set_home.py --check                           exit 1, listing each link that differs from it

A link counts as one to the course when it is a Binder link (mybinder.org/v2/gh/OWNER/NAME/...), a Colab link
(colab.research.google.com/github/OWNER/NAME/...), a github.com URL on a `git clone` line, or a github.com URL
naming the declared home itself; other github.com links (FAISS, ...) are left alone. Notebooks are edited with
nbformat, and only the source of the cells holding a link changes: outputs, ids and metadata stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent

OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
NAME = r"[A-Za-z0-9_.-]+"
HOME_URL = re.compile(rf"https://github\.com/({OWNER})/({NAME}?)(?:\.git)?/?")
LINKS = {  # kind -> pattern; group 1: the prefix, 2: OWNER, 3: NAME
    "Binder": re.compile(rf"(mybinder\.org/v2/gh/)({OWNER})/({NAME})"),
    "Colab": re.compile(rf"(colab\.research\.google\.com/github/)({OWNER})/({NAME})"),
    "GitHub": re.compile(rf"((?<![\w.-])(?:www\.)?github\.com/)({OWNER})/({NAME})"),
}
CLONE_TARGET = re.compile(r"/content/([A-Za-z0-9_.-]+)")


def text_files(root: Path) -> list[Path]:
    """The Markdown files that may hold a link to the course (README, docs, solutions)."""
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md")),
                        *sorted((root / "notebooks" / "solutions").glob("*.md"))] if p.is_file()]


def notebooks(root: Path) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def parse_home(url: str) -> tuple[str, str]:
    match = HOME_URL.fullmatch(url.strip())
    if not match:
        raise SystemExit(f"error: the home must look like https://github.com/OWNER/NAME, not {url!r}")
    return match.group(1), match.group(2)


def declared_home(root: Path) -> tuple[str, str]:
    with open(root / "pyproject.toml", "rb") as f:
        urls = tomllib.load(f).get("project", {}).get("urls", {})
    if "Homepage" not in urls:
        raise SystemExit(f"error: {root / 'pyproject.toml'} declares no [project.urls] Homepage")
    return parse_home(urls["Homepage"])


def declare_home(root: Path, home: tuple[str, str]) -> None:
    """Set [project.urls] Homepage in pyproject.toml, touching nothing else in the file."""
    path = root / "pyproject.toml"
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    section = re.search(r"^\[project\.urls\][^\n]*\n(?:(?!\[).*(?:\n|$))*", text, flags=re.M)
    key = re.compile(r'^(Homepage\s*=\s*)"[^"\n]*"', flags=re.M)
    if not section or not key.search(section.group(0)):
        raise SystemExit(f"error: {path} declares no [project.urls] Homepage")
    body = key.sub(lambda m: f'{m.group(1)}"https://github.com/{home[0]}/{home[1]}"', section.group(0), count=1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text[: section.start()] + body + text[section.end():])


def split_name(name: str) -> tuple[str, str]:
    """'course-kit.git' -> ('course-kit', '.git'); a sentence's full stop is not part of the name either."""
    tail = ""
    if name.endswith(".git"):
        name, tail = name[:-4], ".git"
    stripped = name.rstrip(".")
    return stripped, name[len(stripped):] + tail


def links(text: str, home: tuple[str, str]):
    """Each link to the course in `text`: (start, end, kind, owner, name, line), start/end spanning OWNER/NAME."""
    found = []
    for kind, pattern in LINKS.items():
        for m in pattern.finditer(text):
            owner, (name, _) = m.group(2), split_name(m.group(3))
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            line = text[line_start: line_end if line_end >= 0 else len(text)]
            if kind == "GitHub" and "git clone" not in line and (owner.lower(), name.lower()) != (
                    home[0].lower(), home[1].lower()):
                continue  # a link to another project
            found.append((m.start(2), m.start(2) + len(owner) + 1 + len(name), kind, owner, name, line))
    return sorted(found)


def clone_folders(text: str, home: tuple[str, str]) -> set[str]:
    """The /content/FOLDER names a Colab cell clones the course into."""
    folders = set()
    for *_, line in links(text, home):
        if "git clone" in line:
            folders.update(CLONE_TARGET.findall(line))
    return folders


def problems(text: str, home: tuple[str, str]) -> list[str]:
    """Each link (and Colab clone folder) in `text` that does not name `home`."""
    out = []
    for _, _, kind, owner, name, line in links(text, home):
        if (owner, name) != home:
            out.append(f"{kind} link names {owner}/{name}: {line.strip()}")
    for folder in sorted(clone_folders(text, home)):
        if folder != home[1]:
            out.append(f"the Colab cell clones into /content/{folder}, not /content/{home[1]}")
    return out


def rewrite(text: str, old: tuple[str, str], new: tuple[str, str]) -> str:
    """`text` with every link to the course (found as links to `old`) naming `new` instead."""
    folders = clone_folders(text, old)
    pieces, last = [], 0
    for start, end, *_ in links(text, old):
        pieces += [text[last:start], f"{new[0]}/{new[1]}"]
        last = end
    text = "".join(pieces) + text[last:]
    for folder in folders:  # the clone folder is named after the repository; keep it so
        text = re.sub(rf"/content/{re.escape(folder)}(?![A-Za-z0-9_.-])", f"/content/{new[1]}", text)
    return text


def read_notebook(path: Path):
    with open(path, encoding="utf-8", newline="") as f:
        return nbformat.reads(f.read(), as_version=nbformat.NO_CONVERT)


def check(root: Path) -> list[str]:
    home = declared_home(root)
    out = []
    for path in text_files(root):
        out += [f"{path.relative_to(root)}: {p}" for p in problems(path.read_text(encoding="utf-8"), home)]
    for path in notebooks(root):
        for i, cell in enumerate(read_notebook(path).cells):
            out += [f"{path.relative_to(root)} cell {i} ({cell.get('id', '?')}): {p}" for p in problems(cell.source, home)]
    return out


def set_home(root: Path, new: tuple[str, str] | None = None) -> list[Path]:
    """Declare `new` (default: keep the declared home) and rewrite every link to it; returns the files changed."""
    old = declared_home(root)
    new = new or old
    changed = []
    if new != old:
        declare_home(root, new)
        changed.append(root / "pyproject.toml")
    for path in text_files(root):
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        if (updated := rewrite(text, old, new)) != text:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(updated)
            changed.append(path)
    for path in notebooks(root):
        nb = read_notebook(path)
        edited = False
        for cell in nb.cells:
            if (updated := rewrite(cell.source, old, new)) != cell.source:
                cell.source = updated  # only the source: outputs, id, metadata untouched
                edited = True
        if edited:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(nbformat.writes(nb) + "\n")
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", nargs="?", help="the new home, https://github.com/OWNER/NAME (default: keep the declared one)")
    parser.add_argument("--check", action="store_true", help="only list the links that differ from the declared home")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the course folder (default: this repository)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.check:
        if args.home:
            parser.error("--check takes no home: it checks against the one in pyproject.toml")
        found = check(root)
        home = "https://github.com/{}/{}".format(*declared_home(root))
        for line in found:
            print(line)
        if found:
            print(f"{len(found)} link(s) differ from the declared home {home}; fix them with: python scripts/set_home.py",
                  file=sys.stderr)
            return 1
        print(f"every link names the declared home {home}")
        return 0
    changed = set_home(root, parse_home(args.home) if args.home else None)
    for path in changed:
        print(f"rewrote {path.relative_to(root)}")
    print("home: https://github.com/{}/{} ({} file(s) changed)".format(*declared_home(root), len(changed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
