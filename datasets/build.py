"""Generate every course dataset byte for byte from one seed, or check the committed files against it.

    python datasets/build.py            # (re)write all generated files under datasets/
    python datasets/build.py --check    # regenerate in memory, compare with the files + manifest; exit 1 on a difference
    python datasets/build.py --out /tmp/ds   # write somewhere else

The generator lives in datasets/builders/ (one module per dataset). Determinism comes from seeded
``random.Random`` objects, insertion-ordered tables, ``json.dumps(sort_keys=True, ensure_ascii=False)`` and
LF newlines; nothing depends on the clock, the machine or PYTHONHASHSEED.
Leaves out: the datasheet (datasets/README.md), which is written by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "builders"))  # the builders are plain modules next to this script

import extraction  # noqa: E402
import kb  # noqa: E402
import questions  # noqa: E402
import style  # noqa: E402
import support  # noqa: E402

SEED = 42
TOP_LEVEL = ["changed_facts.jsonl", "questions.jsonl", "extraction.jsonl", "support.jsonl", "style.jsonl",
             "style_rules.json", "stats.json", "manifest.json"]
GENERATED_DIRS = ["kb", "schemas"]  # everything inside these folders is generated


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _json(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _split_counts(rows: list[dict]) -> dict:
    c = Counter(r["split"] for r in rows)
    return {"total": len(rows), **{s: c.get(s, 0) for s in ("train", "validation", "test")}}


def generate(seed: int = SEED) -> dict[str, bytes]:
    """All generated files as {relative path: bytes}, manifest included."""
    files: dict[str, bytes] = {}
    kbs = {v: kb.render_kb(v) for v in ("v1", "v2")}
    for v, (docs, _) in kbs.items():
        for doc_id, doc in docs.items():
            files[f"kb/{v}/{doc_id}.md"] = kb.to_markdown(doc).encode("utf-8")
    groups = questions.fact_groups(seed, kbs)
    qs = questions.assign_splits(groups, seed)
    changed = questions.changed_facts(kbs)
    ext = extraction.build_extraction(seed)
    sup = support.build_support(qs)
    sty = style.build_style(seed)
    files["changed_facts.jsonl"] = _jsonl(changed)
    files["questions.jsonl"] = _jsonl(qs)
    files["extraction.jsonl"] = _jsonl(ext)
    files["support.jsonl"] = _jsonl(sup)
    files["style.jsonl"] = _jsonl(sty)
    files["schemas/extraction.schema.json"] = _json(extraction.extraction_schema())
    files["schemas/support_answer.schema.json"] = _json(support.support_schema())
    files["style_rules.json"] = _json(style.style_rules())
    stats = {
        "seed": seed,
        "kb": {v: {"documents": len(d), "by_type": dict(sorted(Counter(x["type"] for x in d.values()).items())),
                   "characters": sum(len(x["text"]) for x in d.values())} for v, (d, _) in kbs.items()},
        "changed_facts": len(changed),
        "questions": {**_split_counts(qs),
                      "by_type": dict(sorted(Counter(q["type"] for q in qs).items())),
                      "fact_groups": len({q["fact_id"] for q in qs}),
                      "changed": sum(q["changed"] for q in qs),
                      "changed_in_test": sum(q["changed"] and q["split"] == "test" for q in qs),
                      "test_unseen_fact": sum(q["split"] == "test" and not q["fact_in_train"] for q in qs)},
        "extraction": _split_counts(ext),
        "support": _split_counts(sup),
        "style": _split_counts(sty),
    }
    files["stats.json"] = _json(stats)
    manifest = {"seed": seed, "generator": "datasets/build.py",
                "files": {p: hashlib.sha256(b).hexdigest() for p, b in sorted(files.items())}}
    files["manifest.json"] = _json(manifest)
    return dict(sorted(files.items()))


def existing_files(root: Path) -> set[str]:
    """Generated-looking files currently on disk under `root` (so stale ones can be reported or removed)."""
    found = {p for p in TOP_LEVEL if (root / p).is_file()}
    for d in GENERATED_DIRS:
        if (root / d).is_dir():
            found |= {p.relative_to(root).as_posix() for p in (root / d).rglob("*") if p.is_file()}
    return found


def differences(root: Path, files: dict[str, bytes]) -> list[str]:
    """Human-readable differences between the files on disk and the freshly generated `files`."""
    problems = []
    for path, data in files.items():
        target = root / path
        if not target.is_file():
            problems.append(f"missing: {path}")
        elif target.read_bytes() != data:
            problems.append(f"differs: {path}")
    for path in sorted(existing_files(root) - set(files)):
        problems.append(f"not generated (stale): {path}")
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            for path, digest in manifest.get("files", {}).items():
                target = root / path
                if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                    problems.append(f"hash mismatch with manifest: {path}")
        except json.JSONDecodeError:
            problems.append("manifest.json is not valid JSON")
    return problems


def write(root: Path, files: dict[str, bytes]) -> None:
    for path in sorted(existing_files(root) - set(files)):
        (root / path).unlink()  # e.g. a document that no longer exists
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on differences")
    parser.add_argument("--out", type=Path, default=HERE, help="target folder (default: datasets/)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    files = generate(args.seed)
    if args.check:
        problems = differences(args.out, files)
        if problems:
            print(f"{len(problems)} difference(s) between {args.out} and the generator:")
            print("\n".join(f"  {p}" for p in problems))
            print("Rebuild with: python datasets/build.py")
            return 1
        print(f"OK: {len(files)} files match the generator (seed {args.seed}).")
        return 0
    write(args.out, files)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
