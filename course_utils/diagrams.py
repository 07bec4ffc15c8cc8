"""The course's three diagrams, drawn with matplotlib so they work offline and live in code, not in image files.

- `rag_pipeline()`: documents -> chunks -> embeddings -> index, then question -> retrieve -> prompt -> answer
  (notebook 01);
- `lora()`: the frozen weight W beside the trainable low-rank pair A, B (notebook 03);
- `four_systems()`: base, RAG, fine-tuned and RAG + fine-tuned, by where knowledge and behaviour come from
  (notebook 05).

Each returns the matplotlib Figure; in a notebook it shows on its own.
"""

from __future__ import annotations


BLUE, ORANGE, GREEN, GREY = "#dbe9f6", "#fde3c8", "#d9f0d3", "#eeeeee"


def _box(ax, x, y, text, color=GREY, w=1.7, h=0.75, size=9):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05", fc=color, ec="#555555"))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax, start, end, text="", color="#333333"):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.3})
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, text, ha="center", fontsize=7.5,
                color="#444444")


def _canvas(width, height, xlim, ylim, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim), ax.set_ylim(*ylim), ax.axis("off")
    ax.set_title(title, fontsize=11, loc="left")
    return fig, ax


def rag_pipeline():
    """Indexing (once, and again for changed documents) above; answering (every question) below."""
    fig, ax = _canvas(10, 3.6, (0, 11.2), (0, 4), "RAG: index once, retrieve for every question")
    ax.text(0.1, 3.45, "indexing (offline; again only for changed documents)", fontsize=8.5, style="italic")
    steps = [("documents\n(product pages)", GREY), ("chunks\n(~400 characters)", GREY),
             ("embeddings\n(MiniLM, 384-d)", BLUE), ("vector index\n(FAISS)", BLUE)]
    for i, (text, color) in enumerate(steps):
        _box(ax, 1.1 + 2.6 * i, 2.7, text, color)
        if i:
            _arrow(ax, (1.1 + 2.6 * (i - 1) + 0.9, 2.7), (1.1 + 2.6 * i - 0.9, 2.7), ["split", "embed", "add"][i - 1])
    ax.text(0.1, 1.55, "answering (every question)", fontsize=8.5, style="italic")
    steps = [("question", ORANGE), ("top-k chunks\n(retrieve)", BLUE), ("prompt: rules,\n[1] [2] [3],\nquestion", ORANGE),
             ("chat model\n(SmolLM2-135M)", GREEN), ("answer\nwith [n] citations", GREEN)]
    for i, (text, color) in enumerate(steps):
        _box(ax, 1.1 + 2.25 * i, 0.75, text, color, w=1.9, h=0.9, size=8.5)
        if i:
            _arrow(ax, (1.1 + 2.25 * (i - 1) + 0.98, 0.75), (1.1 + 2.25 * i - 0.98, 0.75))
    _arrow(ax, (8.9, 2.3), (3.5, 1.25), color="#2b6cb0")
    ax.text(6.9, 1.45, "nearest vectors to the\nquestion's embedding", fontsize=7.5, color="#2b6cb0")
    ax.text(8.0, -0.05, "the model's weights never change", fontsize=8, color="#2f855a", ha="center")
    return fig


def lora(rank: int = 8, width: int = 576):
    """y = W x + B A x: W (d x d) frozen, A (r x d) and B (d x r) trained; r much smaller than d."""
    fig, ax = _canvas(8, 3.6, (0, 10), (0, 4.2), f"LoRA: freeze W, learn a rank-{rank} update B·A")
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((0.6, 0.6), 2.8, 2.8, fc=GREY, ec="#555555"))
    ax.text(2.0, 2.0, f"W\n{width} × {width}\nfrozen\n({width * width:,} numbers)", ha="center", va="center", fontsize=9)
    ax.text(4.0, 2.0, "+", fontsize=20, ha="center", va="center")
    ax.add_patch(Rectangle((4.6, 0.6), 0.45, 2.8, fc=ORANGE, ec="#555555"))  # B: d x r, tall and thin
    ax.text(4.82, 3.6, f"B\n{width} × {rank}", ha="center", fontsize=8.5)
    ax.text(5.35, 2.0, "·", fontsize=20, ha="center", va="center")
    ax.add_patch(Rectangle((5.7, 1.78), 2.8, 0.45, fc=ORANGE, ec="#555555"))  # A: r x d, wide and flat
    ax.text(7.1, 2.45, f"A   {rank} × {width}", ha="center", fontsize=8.5)
    ax.text(7.1, 1.2, f"trained: {2 * width * rank:,} numbers\n"
                      f"({2 * width * rank / (width * width):.1%} of W)", ha="center", fontsize=8.5)
    ax.text(5.0, 0.15, "B starts at zero, so training starts from the unchanged model; after training, "
                       "B·A can be merged into W", ha="center", fontsize=8, color="#444444")
    return fig


def four_systems():
    """Where each system gets its knowledge (index or weights) and its behaviour (prompt or adapter)."""
    fig, ax = _canvas(10, 3.8, (0, 10.4), (0, 4.3), "Four systems, one model, one task")
    systems = [
        ("base", "knowledge: the weights\nbehaviour: the prompt", GREY),
        ("RAG", "knowledge: the index\nbehaviour: the prompt", BLUE),
        ("fine-tuned", "knowledge: the weights\n(LoRA on Q→answer)\nbehaviour: the adapter", ORANGE),
        ("RAG + fine-tuned", "knowledge: the index\nbehaviour: an adapter\ntrained to read it", GREEN),
    ]
    for i, (name, text, color) in enumerate(systems):
        x = 1.3 + 2.6 * i
        _box(ax, x, 3.45, name, color, w=2.2, h=0.55, size=10)
        _box(ax, x, 2.05, text, color, w=2.3, h=1.5, size=8.5)
        _arrow(ax, (x, 1.25), (x, 0.75))
        _box(ax, x, 0.4, "JSON answer\n+ sources", GREY, w=2.0, h=0.6, size=8)
    return fig
