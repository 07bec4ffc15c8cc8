"""The workbench's front end: ipywidgets over `course_utils.decision` (sliders) and `course_utils.costs` (calculator).

    bench = Workbench()                        # a slider per criterion, use-case presets, the live answer
    bench.widget                               # show it (last line of a cell)
    bench.set(citations=2).approach            # the same from code, without a browser
    'RAG'
    calc = CostCalculator(load_unit_costs(), bench)   # cumulative cost per approach; break-even points

Charts are PNG images drawn with matplotlib figures (no pyplot state), so they look the same in JupyterLab, in
Voilà and in a saved notebook. Every update runs behind a guard: a bad value shows a message in the panel rather
than a traceback. Left out: saving your settings to a file (copy `bench.settings` into a cell instead).
"""

from __future__ import annotations

import html
import io

import ipywidgets as W
from matplotlib.figure import Figure

from . import costs, decision, results
from .decision import APPROACHES, COURSE_CASES, CRITERIA, USE_CASES

_COLOURS = {"prompting first": "#6b7280", "RAG": "#2563eb", "fine-tuning": "#d97706", "RAG + fine-tuning": "#7c3aed"}
# Slider stops for the criteria that take any amount (recommend() itself accepts any value in range).
_AMOUNT_STOPS = {
    "training_examples": (0, 30, 100, 300, 1_000, 3_000, 10_000, 100_000),
    "knowledge_base_docs": (0, 3, 30, 300, 1_000, 10_000, 100_000, 1_000_000),
    "latency_budget_s": (0.2, 0.5, 1, 2, 5, 10, 30),
}
# Short readouts for the sliders (the full wording is in the reasons).
_SLIDER_LABELS = {
    "knowledge_freshness": ("rarely", "yearly", "quarterly", "monthly", "weekly+"),
    "output_format": ("free text", "light structure", "fixed template", "strict schema"),
    "deployment_speed": ("in months", "in weeks", "in days", "now"),
    "behaviour_change": ("none", "light touch", "tone or voice", "domain skill", "new task"),
}
_CSS = """<style>
.wb-panel {font-size: 14px; line-height: 1.4;}
.wb-answer {font-size: 22px; font-weight: 700; margin: 2px 0 4px 0;}
.wb-error {background: #fee2e2; color: #7f1d1d; border-left: 4px solid #b91c1c; padding: 6px 10px;}
.wb-note {padding: 6px 10px; border-left: 4px solid; margin-bottom: 6px;}
.wb-panel ul, .wb-panel ol {margin: 2px 0 4px 0; padding-left: 20px;}
.wb-columns {display: flex; gap: 24px;} .wb-columns > div {flex: 1 1 0;}
.wb-workbench .widget-readout {min-width: 110px; max-width: 110px; text-align: left;}
.wb-table td, .wb-table th {padding: 2px 8px; text-align: right;}
.wb-table td:first-child, .wb-table th:first-child {text-align: left;}
</style>"""


def _slider_label(name: str, value: float) -> str:
    """How a slider shows a value: a short word for levels, a compact number for amounts ("3k", "1M", "0.5 s")."""
    c = CRITERIA[name]
    if c.kind == "level":
        return _SLIDER_LABELS[name][c.values.index(value)] if name in _SLIDER_LABELS else c.describe(value)
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g} s" if c.unit == "s" else f"{value:g}"


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _guarded(message: W.HTML, update) -> None:
    """Run `update`; show any error in `message` (a red box) instead of letting ipywidgets print a traceback."""
    try:
        update()
    except (decision.DecisionInputError, costs.CostInputError) as err:
        message.value = f"<div class='wb-error'>{html.escape(str(err))}</div>"
    except Exception as err:  # noqa: BLE001 - a panel must stay usable; the message names the error
        message.value = f"<div class='wb-error'>Unexpected {type(err).__name__}: {html.escape(str(err))}</div>"
    else:
        message.value = ""


def contribution_figure(rec: decision.Recommendation) -> Figure:
    """Left: each criterion's push on the two scores. Right: where the two scores put the answer."""
    fig = Figure(figsize=(7.4, 3.5))
    bars, board = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    pushing = [c for c in rec.contributions if CRITERIA[c.name].group != "feasibility"][::-1]  # the others only hold
    labels = [c.label for c in pushing]
    y = range(len(labels))
    bars.barh([i + 0.2 for i in y], [c.knowledge for c in pushing], 0.4, color=_COLOURS["RAG"], label="knowledge (toward RAG)")
    bars.barh([i - 0.2 for i in y], [c.behaviour for c in pushing], 0.4, color=_COLOURS["fine-tuning"], label="behaviour (toward fine-tuning)")
    bars.set_yticks(list(y), labels, fontsize=8)
    bars.axvline(0, color="black", lw=0.8)
    bars.set_xlim(-2.6, 2.6)
    bars.set_title("how each criterion pushes", fontsize=9)
    bars.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.07), ncol=2, frameon=False)
    bars.tick_params(axis="x", labelsize=7)
    lo, hi, t = -5, 9, decision.THRESHOLD
    for (x0, x1, y0, y1), name in zip([(lo, t, lo, t), (t, hi, lo, t), (lo, t, t, hi), (t, hi, t, hi)], APPROACHES):
        board.fill_between([x0, x1], y0, y1, color=_COLOURS[name], alpha=0.16, lw=0)
        board.text((x0 + x1) / 2, (y0 + y1) / 2, name.replace(" + ", "\n+ "), ha="center", va="center", fontsize=8, color=_COLOURS[name])
    held = decision.holds(rec.settings)
    if held:
        board.fill_between([lo, hi], t, hi, facecolor="none", hatch="///", edgecolor="#9ca3af", lw=0)
        board.text(lo + 0.3, hi - 0.6, "fine-tuning waits:\n" + "\n".join(decision.HOLD_LABELS[name] for name, _, _ in held),
                   fontsize=7, va="top")
    x, yv = max(lo + 0.3, min(hi - 0.3, rec.knowledge_score)), max(lo + 0.3, min(hi - 0.3, rec.behaviour_score))
    board.plot([x], [yv], "o", ms=10, color=_COLOURS[rec.approach], mec="black")
    board.set_xlim(lo, hi)
    board.set_ylim(lo, hi)
    board.set_xlabel("knowledge score", fontsize=8)
    board.set_ylabel("behaviour score", fontsize=8)
    board.tick_params(labelsize=7)
    board.set_title(f"the answer: {rec.headline}", fontsize=9)
    fig.tight_layout()
    return fig


def _recommendation_html(rec: decision.Recommendation, reasons: int = 4, changes: int = 3, evidence: list[str] | None = None) -> str:
    """The answer, its strongest reasons, what to do, what would change it, and (given) what the course measured, as HTML."""
    items = lambda xs: "".join(f"<li>{html.escape(x)}</li>" for x in xs)  # noqa: E731
    later = f"<div><b>Then:</b> add fine-tuning {html.escape(rec.fine_tuning_later)}.</div>" if rec.fine_tuning_later else ""
    measured = (f"<div class='wb-evidence'><b>What the course measured</b><ul>{items(evidence)}</ul></div>" if evidence else "")
    return (f"<div class='wb-panel'><div class='wb-answer' style='color:{_COLOURS[rec.approach]}'>{html.escape(rec.headline)}</div>{later}"
            f"<div>confidence <b>{rec.confidence_label}</b> ({rec.confidence:.2f}) &middot; knowledge score "
            f"{rec.knowledge_score:+.2f}, behaviour score {rec.behaviour_score:+.2f} (threshold {decision.THRESHOLD:g})</div>"
            f"<div class='wb-columns'><div><b>Why</b><ul>{items(rec.reasons[:reasons]) or '<li>nothing pushes either way</li>'}</ul></div>"
            f"<div><b>What to do</b><ol>{items(rec.path)}</ol>"
            f"<b>What would change it</b><ul>{items(rec.would_change[:changes])}</ul></div></div>{measured}</div>")


def _load_course_figures(config=None) -> dict:
    """{notebook: figures} of notebooks 01-05: your own runs where they saved figures, else the course's reference run."""
    return {notebook: results.course_figures(notebook, config)[0] for notebook in decision.NOTEBOOKS.values()}


class Workbench:
    """A slider per criterion and a preset per use case (the article's, then the course's own); the recommendation and
    its chart follow every move."""

    def __init__(self, settings: dict | None = None, figures: dict | None = None):
        start = decision.check_settings(settings)
        self.figures = _load_course_figures() if figures is None else figures  # the evidence shown under the answer
        self.preset = W.Dropdown(options=[("your own settings", "")] + [(n, n) for n in USE_CASES]
                                 + [(f"course {n}", n) for n in COURSE_CASES], value="",
                                 description="Use case", style={"description_width": "130px"},
                                 layout=W.Layout(width="400px")).add_class("wb-preset")
        self.sliders = {}
        for name, c in CRITERIA.items():
            stops = _AMOUNT_STOPS.get(name, c.values)
            self.sliders[name] = W.SelectionSlider(
                options=[(_slider_label(name, v), v) for v in stops], value=start[name], description=c.label,
                continuous_update=False, style={"description_width": "130px"}, layout=W.Layout(width="400px"),
            ).add_class(f"wb-slider-{name}")
        self.answer = W.HTML().add_class("wb-recommendation")
        self.chart = W.Image(format="png", layout=W.Layout(width="660px")).add_class("wb-chart")
        self.message = W.HTML().add_class("wb-message")
        self._muted = False
        self.recommendation: decision.Recommendation | None = None
        self.preset.observe(self._on_preset, "value")
        for slider in self.sliders.values():
            slider.observe(self._on_slider, "value")
        controls = W.VBox([self.preset, *self.sliders.values()], layout=W.Layout(width="410px"))
        self.widget = W.VBox([W.HTML(_CSS), self.message, W.HBox([controls, self.chart], layout=W.Layout(flex_flow="row wrap")),
                              self.answer], layout=W.Layout(max_width="1100px")).add_class("wb-workbench")
        _guarded(self.message, self._update)

    @property
    def settings(self) -> dict:
        return {name: slider.value for name, slider in self.sliders.items()}

    def _update(self) -> None:
        self.recommendation = decision.recommend(self.settings)
        self.answer.value = _recommendation_html(self.recommendation, evidence=decision.evidence_for(self.recommendation, self.figures)[:3])
        self.chart.value = _png(contribution_figure(self.recommendation))

    def show_static(self) -> None:
        """Show the workbench's current answer and chart as plain outputs (HTML and a PNG), which a saved notebook keeps
        where widgets need a running kernel: GitHub, nbviewer, a printout."""
        from IPython.display import HTML, Image, display

        display(HTML(_CSS + self.answer.value))
        display(Image(self.chart.value))

    def _set_sliders(self, settings: dict) -> None:
        self._muted = True
        try:
            for name, value in settings.items():
                slider = self.sliders[name]
                if value not in [v for _, v in slider.options]:  # an amount between the stops: add it as a stop
                    options = sorted([*slider.options, (_slider_label(name, value), value)], key=lambda o: o[1])
                    slider.options = options
                slider.value = value
        finally:
            self._muted = False

    def _on_preset(self, change) -> None:
        if change["new"]:
            _guarded(self.message, lambda: (self._set_sliders(decision.preset(change["new"])), self._update()))

    def _on_slider(self, change) -> None:
        if self._muted:
            return
        self._leave_preset()
        _guarded(self.message, self._update)

    def _leave_preset(self) -> None:
        """A moved slider leaves the use case: the menu says "your own settings" (without re-applying anything)."""
        if self.preset.value:
            self.preset.unobserve(self._on_preset, "value")
            self.preset.value = ""
            self.preset.observe(self._on_preset, "value")

    def set(self, settings: dict | None = None, **criteria) -> decision.Recommendation:
        """Move sliders from code (checked first: a bad value raises DecisionInputError); returns the recommendation."""
        checked = decision.check_settings({**self.settings, **(settings or {}), **criteria})
        if checked != self.settings:
            self._leave_preset()
        self._set_sliders(checked)
        self._update()
        return self.recommendation

    def choose(self, use_case: str) -> decision.Recommendation:
        """Select a use-case preset, as the dropdown does; UnknownPresetError for a name not in USE_CASES or
        COURSE_CASES."""
        decision.preset(use_case)  # raises with the known names before anything moves
        self.preset.value = use_case
        return self.recommendation


_WORKLOAD_LABELS = {
    "queries_per_day": "queries per day", "updates_per_month": "KB updates / month", "corpus_docs": "documents",
    "chunks_per_doc": "chunks per document", "changed_share": "share changed / update",
    "training_examples": "training examples", "epochs": "epochs per run", "retrains_per_year": "retrainings / year",
    "price_per_hour": "price per hour",
}
_NOTE_COLOURS = {"measured": "#16a34a", "mixed": "#0d9488", "reference": "#2563eb", "assumed": "#d97706"}


def _digits(value: float, significant: int = 3) -> float:
    """A unit cost as an input box shows it: 3 significant digits (2.25 s, not 2.25389498 s), and that value is used."""
    return float(f"{value:.{significant}g}")


def _cost_figure(plan: costs.CostPlan, latency_budget_s: float | None = None) -> Figure:
    """Left: cumulative cost of each approach over the months, break-even points marked. Right: seconds per answer."""
    fig = Figure(figsize=(7.4, 3.3))
    lines, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1]})
    months = list(range(plan.months + 1))
    for a in APPROACHES:
        lines.plot(months, [plan.cumulative(a, m) for m in months], color=_COLOURS[a], label=a, lw=2)
    for dear, cheap, month in plan.break_evens():
        if month <= plan.months:
            lines.plot([month], [plan.cumulative(dear, month)], "kx", ms=7)
    lines.set_xlabel("months", fontsize=8)
    lines.set_ylabel("total cost", fontsize=8)
    lines.set_title("cumulative cost (x = break-even)", fontsize=9)
    lines.legend(fontsize=7, loc="upper left")
    lines.tick_params(labelsize=7)
    lines.grid(alpha=0.3)
    bars.barh(range(len(APPROACHES)), [plan.latency_s[a] for a in APPROACHES], color=[_COLOURS[a] for a in APPROACHES])
    bars.set_yticks(range(len(APPROACHES)), [a.replace(" + ", "\n+ ") for a in APPROACHES], fontsize=7)
    bars.invert_yaxis()
    if latency_budget_s is not None:
        bars.axvline(latency_budget_s, color="black", ls="--", lw=1, label=f"budget {latency_budget_s:g} s")
        bars.legend(fontsize=7, loc="lower right")
    bars.set_xlabel("seconds per answer", fontsize=8)
    bars.set_title("latency", fontsize=9)
    bars.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig


def _plan_html(plan: costs.CostPlan) -> str:
    """A table of the plan: latency, upfront, monthly and total cost per approach; then the break-even points."""
    def money(x):
        return "" if x is None else "never right" if x == float("inf") else f"{x:,.4f}" if x < 1 else f"{x:,.2f}"

    rows = "".join(f"<tr><td style='color:{_COLOURS[a]}'><b>{a}</b></td><td>{plan.latency_s[a]:.2f} s</td>"
                   f"<td>{money((plan.per_correct_answer or {}).get(a))}</td>"
                   f"<td>{plan.upfront[a]:,.2f}</td><td>{(plan.serving or plan.monthly)[a]:,.2f}</td>"
                   f"<td>{(plan.maintenance or {}).get(a, 0):,.2f}</td><td>{plan.cumulative(a, plan.months):,.2f}</td></tr>"
                   for a in APPROACHES)
    evens = [f"{dear} catches up with {cheap} after {costs.months_in_words(month)}" for dear, cheap, month in plan.break_evens() if month <= plan.months]
    return (f"<div class='wb-panel'><table class='wb-table'><tr><th>approach</th><th>per answer</th><th>per correct answer</th>"
            f"<th>upfront</th><th>ongoing / month</th><th>maintenance / month</th><th>after {plan.months} months</th></tr>{rows}</table>"
            f"<div><b>Break-even:</b> {'; '.join(evens) if evens else f'no crossing within {plan.months} months'}.</div></div>")


class CostCalculator:
    """Workload and unit costs in, cumulative cost and latency per approach out. Follows a Workbench's latency budget."""

    def __init__(self, units: costs.UnitCosts, workbench: Workbench | None = None, workload: costs.Workload | None = None):
        self.units, self.workbench = units, workbench
        workload = workload or costs.Workload()
        style, layout = {"description_width": "215px"}, W.Layout(width="315px")
        self.inputs = {name: W.FloatText(value=getattr(workload, name), description=label, style=style, layout=layout)
                       .add_class(f"wb-cost-{name}") for name, label in _WORKLOAD_LABELS.items()}
        self.inputs["months"] = W.IntText(value=workload.months, description="months ahead (1-120)", style=style,
                                          layout=layout).add_class("wb-cost-months")
        self.unit_inputs = {f"query:{a}": W.FloatText(value=_digits(units.seconds_per_query[a]), description=f"per answer, {a}", style=style, layout=layout)
                            for a in APPROACHES}
        self.unit_inputs["index"] = W.FloatText(value=_digits(units.index_seconds_per_chunk), description="per chunk indexed", style=style, layout=layout)
        self.unit_inputs.update({f"train:{a}": W.FloatText(value=_digits(units.train_seconds_per_example[a]), description=f"per example, {a}", style=style, layout=layout)
                                 for a in costs.TRAINED})
        colour = _NOTE_COLOURS.get(units.source, "#6b7280")
        self.note = W.HTML(f"<div class='wb-note' style='border-color:{colour}'><b>Unit costs: {units.source}.</b> "
                           f"{html.escape(units.note)}</div>").add_class("wb-cost-note")
        self.table = W.HTML().add_class("wb-cost-table")
        self.chart = W.Image(format="png", layout=W.Layout(width="740px")).add_class("wb-cost-chart")
        self.message = W.HTML().add_class("wb-cost-message")
        self.plan: costs.CostPlan | None = None
        for box in [*self.inputs.values(), *self.unit_inputs.values()]:
            box.observe(lambda _: _guarded(self.message, self._update), "value")
        if workbench is not None:
            workbench.sliders["latency_budget_s"].observe(lambda _: _guarded(self.message, self._update), "value")
        inputs = W.VBox([W.HTML("<b>Workload</b>"), *self.inputs.values(), W.HTML("<b>Unit costs (seconds)</b>"),
                         *self.unit_inputs.values()], layout=W.Layout(width="335px"))
        self.widget = W.VBox([W.HTML(_CSS), self.note, self.message,
                              W.HBox([inputs, W.VBox([self.chart, self.table], layout=W.Layout(width="760px"))],
                                     layout=W.Layout(flex_flow="row wrap"))]).add_class("wb-costs")
        _guarded(self.message, self._update)

    def _read(self) -> tuple[costs.Workload, costs.UnitCosts]:
        workload = costs.Workload(**{name: box.value for name, box in self.inputs.items()})
        units = costs.UnitCosts({a: self.unit_inputs[f"query:{a}"].value for a in APPROACHES}, self.unit_inputs["index"].value,
                                {a: self.unit_inputs[f"train:{a}"].value for a in costs.TRAINED}, self.units.source, self.units.note,
                                answer_accuracy=self.units.answer_accuracy)
        return workload, units

    def _update(self) -> None:
        workload, units = self._read()
        self.plan = costs.cost_plan(workload, units)
        budget = self.workbench.sliders["latency_budget_s"].value if self.workbench else None
        self.table.value = _plan_html(self.plan)
        self.chart.value = _png(_cost_figure(self.plan, budget))

    def show_static(self) -> None:
        """Show the current plan (chart and table) as plain outputs that a saved notebook keeps (see Workbench.show_static)."""
        from IPython.display import HTML, Image, display

        display(Image(self.chart.value))
        display(HTML(_CSS + self.table.value))

    def set(self, **workload) -> costs.CostPlan:
        """Change workload fields from code (checked first: a bad value raises CostInputError); returns the plan."""
        unknown = sorted(set(workload) - set(self.inputs))
        if unknown:
            raise costs.CostInputError(f"Unknown workload field(s) {unknown}; known: {', '.join(self.inputs)}.")
        costs.Workload(**{**{n: b.value for n, b in self.inputs.items()}, **workload})
        for name, value in workload.items():
            self.inputs[name].value = value
        self._update()
        return self.plan
