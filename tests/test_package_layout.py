"""The direction of course_utils' dependencies: configuration at the bottom, general tools above it, and the modules
written for one notebook (or for the workbench) on top. A general module never imports a notebook-specific one, so
each tool can be read, tested and reused without the course's experiments around it."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "course_utils"
BOTTOM = {"config"}  # imports nothing of the package
# written for one notebook's experiment or for the decision workbench (06); everything else is a general tool
NOTEBOOK_SPECIFIC = {"support", "systems", "results", "claims", "costs", "decision", "decision_widgets", "diagrams",
                     "injection", "exercises"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(path: Path) -> set[str]:
    """The package modules `path` imports, anywhere in the file (a lazy import inside a function counts too)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {target} if node.module else {f"{target}.{a.name}".strip(".") for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils."):
            found.add(node.module.removeprefix("course_utils."))
    return {f for f in found if f and f != name}


def top(name: str) -> str:
    return name.split(".")[0]


def test_configuration_is_at_the_bottom():
    for name in BOTTOM:
        assert not package_imports(PACKAGE / f"{name}.py"), f"{name} must import nothing of the package"


def test_no_general_module_imports_a_notebook_specific_one():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if top(name) in NOTEBOOK_SPECIFIC or not name:
            continue
        wrong += [f"{name} imports {target}" for target in package_imports(path) if top(target) in NOTEBOOK_SPECIFIC]
    assert not wrong, wrong


def test_every_module_is_placed():
    """A new module must be sorted into a layer: general (the default) is only right if it imports no notebook-specific
    module, which the test above checks; this one keeps the lists above from naming modules that are gone."""
    tops = {top(module_name(p)) for p in PACKAGE.rglob("*.py")} - {""}
    assert NOTEBOOK_SPECIFIC <= tops and BOTTOM <= tops, sorted((NOTEBOOK_SPECIFIC | BOTTOM) - tops)


# Imported inside the functions that need them, because each takes a second or more to import (torch, transformers,
# faiss, matplotlib...) or is needed only by one optional path (a widget, the BM25 retriever, structured decoding);
# everything else, the package's own modules included, is imported at the top of the module.
HEAVY_OR_OPTIONAL = {"torch", "transformers", "faiss", "matplotlib", "IPython", "peft", "bm25s", "sentence_transformers",
                     "xgrammar", "scipy", "psutil", "tqdm", "ipywidgets", "jsonschema", "safetensors", "pandas",
                     "numpy", "accelerate", "huggingface_hub", "gguf"}


def test_imports_inside_functions_are_heavy_or_optional_libraries():
    lazy = []
    for path in PACKAGE.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    roots = {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom):
                    roots = {"." if node.level else (node.module or "").split(".")[0]}
                else:
                    continue
                if roots - HEAVY_OR_OPTIONAL:
                    lazy.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node)}")
    assert not lazy, f"import these at the top of their module: {lazy}"
