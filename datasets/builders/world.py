"""The fictional company Orrinvale: every fact the datasets are built from, in one table.

A fact is a short, checkable value (a price, a limit, a date, a name). ``FACTS`` maps a fact key to its
value in knowledge-base version 1 and, where it changed, its value in version 2. Documents (kb.py) and
questions (questions.py) both read this table, so a gold answer can never drift away from its document.

    >>> value("k3.price", "v1"), value("k3.price", "v2")
    ('149 EUR', '159 EUR')

Everything here is invented for the course; no real company, product or person is meant.
"""

from __future__ import annotations

COMPANY = "Orrinvale"
UNANSWERABLE = "not in the knowledge base"  # the fixed gold answer of unanswerable questions

# key -> (v1 value, v2 value). v2 is None when the fact did not change. A v1 value of None means the fact
# only exists in v2 (the new product).
FACTS: dict[str, tuple[str | None, str | None]] = {
    # --- Brumaline K3 smart kettle
    "k3.price": ("149 EUR", "159 EUR"),
    "k3.warranty": ("24 months", None),
    "k3.capacity": ("1.6 litres", None),
    "k3.power": ("2150 W", None),
    "k3.part": ("BK3-0417", None),
    "k3.keepwarm": ("40 minutes", None),
    "k3.presets": ("6 presets", None),
    "k3.firmware": ("3.2.1", "3.3.0"),
    "k3.launch": ("14 March 2023", None),
    "k3.e42": ("limescale build-up", None),
    "k3.reset": ("8 seconds", None),
    # --- Spindrel Air 400 purifier
    "sp.price": ("329 EUR", "299 EUR"),
    "sp.warranty": ("36 months", None),
    "sp.coverage": ("46 m²", None),
    "sp.filter": ("HF-9", None),
    "sp.filterlife": ("9 months", None),
    "sp.noise": ("23 dB", None),
    "sp.weight": ("6.2 kg", None),
    "sp.f3": ("blocked fan", None),
    "sp.nightmode_fw": ("2.4.0", None),
    # --- Talloway Cam indoor camera (discontinued in v2)
    "tc.price": ("89 EUR", None),
    "tc.warranty": ("18 months", None),
    "tc.sd": ("256 GB", None),
    "tc.night": ("9 metres", None),
    "tc.fov": ("128 degrees", None),
    "tc.status": ("on sale", "discontinued"),
    "tc.resetpin": ("5 seconds", None),
    "tc.updates": ("31 December 2026", "31 December 2027"),
    # --- Corvath Lock smart lock
    "cl.price": ("219 EUR", "229 EUR"),
    "cl.warranty": ("30 months", None),
    "cl.battery": ("11 months", None),
    "cl.codes": ("40 access codes", "60 access codes"),
    "cl.autolock": ("90 seconds", None),
    "cl.emergency": ("9V battery", None),
    "cl.lowbatt": ("three times", None),
    # --- Ildra Thermostat
    "il.price": ("179 EUR", None),
    "il.warranty": ("24 months", "36 months"),
    "il.range": ("5 to 32 °C", None),
    "il.valves": ("12 valves", None),
    "il.eco": ("17 °C", None),
    "il.calibration": ("4 minutes", None),
    # --- Quenby Lamp
    "qb.price": ("64 EUR", "69 EUR"),
    "qb.warranty": ("12 months", None),
    "qb.lumens": ("1100 lumens", None),
    "qb.scenes": ("16 scenes", None),
    "qb.lifespan": ("25,000 hours", None),
    "qb.reset": ("6 times", None),
    # --- Mossgrove Sensor
    "ms.price": ("39 EUR", None),
    "ms.battery": ("14 months", "16 months"),
    "ms.range": ("30 metres", None),
    "ms.ip": ("IP67", None),
    "ms.cell": ("CR2477", None),
    # --- Fennick Hub
    "fh.price": ("119 EUR", None),
    "fh.warranty": ("24 months", None),
    "fh.devices": ("64 devices", "100 devices"),
    "fh.backup": ("4 hours", None),
    "fh.purple": ("firmware update", None),
    "fh.thread_fw": ("5.0.2", None),
    "fh.reset": ("20 seconds", None),
    # --- Pellwick Scale
    "pw.price": ("59 EUR", None),
    "pw.maxload": ("7 kg", None),
    "pw.precision": ("0.5 g", None),
    "pw.charge": ("5 months", None),
    "pw.lo": ("battery is low", None),
    # --- Vessimo Doorbell (new in v2)
    "vd.price": (None, "139 EUR"),
    "vd.battery": (None, "6 months"),
    "vd.chime": (None, "Vessimo Chime"),
    # --- accessories
    "acc.hf9.price": ("34 EUR", "36 EUR"),
    "acc.descale.price": ("12 EUR", None),
    "acc.valve.price": ("49 EUR", None),
    "acc.keypad.price": ("69 EUR", None),
    "acc.mount.price": ("19 EUR", None),
    "acc.probe.length": ("3 metres", None),
    # --- Loft subscription plans
    "plan.sprig.history": ("2 days", "3 days"),
    "plan.sprig.cameras": ("1 camera", None),
    "plan.grove.price": ("4.50 EUR", "5.50 EUR"),
    "plan.grove.annual": ("45 EUR", None),
    "plan.grove.history": ("21 days", None),
    "plan.grove.cameras": ("4 cameras", "6 cameras"),
    "plan.grove.members": ("6 members", None),
    "plan.canopy.price": ("11 EUR", "12 EUR"),
    "plan.canopy.history": ("60 days", None),
    "plan.canopy.cameras": ("16 cameras", None),
    "plan.canopy.members": ("12 members", None),
    "plan.sprig.support": ("email", None),
    "plan.canopy.support": ("phone", None),
    # --- policies
    "pol.return.window": ("45 days", "30 days"),
    "pol.return.fee": ("8 EUR", "10 EUR"),
    "pol.return.label": ("60 EUR", None),
    "pol.refund.days": ("5 business days", None),
    "pol.claim.days": ("10 business days", "7 business days"),
    "pol.careplus.price": ("29 EUR", "35 EUR"),
    "pol.careplus.extra": ("24 months", None),
    "pol.careplus.window": ("60 days", None),
    "pol.data.account": ("90 days", "60 days"),
    "pol.data.sensor": ("400 days", None),
    "pol.data.chat": ("18 months", None),
    "pol.ship.free": ("75 EUR", "90 EUR"),
    "pol.ship.standard": ("3 to 5 business days", None),
    "pol.ship.express": ("12 EUR", "14 EUR"),
    "pol.ship.cutoff": ("14:00", None),
    "pol.repair.fee": ("45 EUR", None),
    "pol.repair.days": ("12 days", None),
    "pol.tradein": ("20 %", "25 %"),
    "pol.instalments": ("300 EUR", None),
    # --- company
    "co.founded": ("2016", None),
    "co.town": ("Lindqvar", None),
    "co.carehead": ("Ilse Marrow", "Tobias Fenwright"),
    "co.hours": ("08:00 to 18:00", "08:00 to 20:00"),
    "co.phone": ("0800 414 7720", None),
    "co.centre": ("Haskerby", None),
}


def value(key: str, version: str) -> str | None:
    """The value of fact `key` in knowledge-base `version` ('v1' or 'v2'); None if it does not exist there."""
    v1, v2 = FACTS[key]
    if version == "v1":
        return v1
    return v1 if v2 is None else v2


def changed_keys() -> list[str]:
    """Fact keys whose value differs between v1 and v2, in table order."""
    return [k for k, (v1, v2) in FACTS.items() if v2 is not None and v2 != v1]
