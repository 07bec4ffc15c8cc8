"""Neutral answer -> the same answer in Orrinvale's brand voice, plus the measurable voice rules.

The neutral text is formal, third person and full of support jargon; the brand text says the same fact
warmly, in the second person, in at most 40 words, and ends with the fixed sign-off. The rules are
exported to datasets/style_rules.json so the evaluation code and the datasheet use the same constants.
"""

from __future__ import annotations

import random

from world import value

SIGN_OFF = "Warm wishes, the Orrinvale crew"
MAX_WORDS = 40  # words in the brand body (sign-off excluded)
JARGON = [
    "utilize", "utilise", "facilitate", "leverage", "commence", "terminate", "pursuant", "aforementioned", "herein",
    "endpoint", "provisioning", "SKU", "RMA", "SLA", "ticket", "escalate", "be advised", "per our documentation",
    "in order to", "end user", "end-user", "customer entity",
]
SECOND_PERSON = r"\byou(?:r|rs|'re|'ll|'ve|'d)?\b"  # regex, case-insensitive, searched in the first sentence

# fact key -> a plain statement with {v} for the value (third person, lower-case start)
STATEMENTS = {
    "k3.price": "the Brumaline K3 costs {v}", "k3.warranty": "the Brumaline K3 is covered for {v}",
    "k3.capacity": "the Brumaline K3 holds {v} of water", "k3.power": "the Brumaline K3 heats with {v}",
    "k3.part": "the part number of the Brumaline K3 is {v}", "k3.keepwarm": "the Brumaline K3 keeps water warm for up to {v}",
    "k3.presets": "the Brumaline K3 has {v} for temperature", "k3.firmware": "the current Brumaline K3 firmware is {v}",
    "k3.launch": "the Brumaline K3 went on sale on {v}", "k3.e42": "error E42 on the Brumaline K3 means {v}",
    "k3.reset": "a Brumaline K3 resets when the dial is held for {v}",
    "sp.price": "the Spindrel Air 400 costs {v}", "sp.warranty": "the Spindrel Air 400 is covered for {v}",
    "sp.coverage": "the Spindrel Air 400 suits rooms up to {v}", "sp.filter": "the Spindrel Air 400 takes the {v} filter",
    "sp.filterlife": "a Spindrel Air 400 filter lasts about {v}", "sp.noise": "the Spindrel Air 400 runs at {v} in night mode",
    "sp.weight": "the Spindrel Air 400 weighs {v}", "sp.f3": "error F3 on the Spindrel Air 400 means a {v}",
    "sp.nightmode_fw": "night mode came to the Spindrel Air 400 with firmware {v}",
    "tc.price": "the Talloway Cam costs {v}", "tc.warranty": "the Talloway Cam is covered for {v}",
    "tc.sd": "the Talloway Cam takes microSD cards up to {v}", "tc.night": "the Talloway Cam sees up to {v} at night",
    "tc.fov": "the Talloway Cam covers {v}", "tc.status": "the Talloway Cam is {v}",
    "tc.resetpin": "a Talloway Cam resets when the pin is pressed for {v}",
    "tc.updates": "the Talloway Cam gets security updates until {v}",
    "cl.price": "the Corvath Lock costs {v}", "cl.warranty": "the Corvath Lock is covered for {v}",
    "cl.battery": "Corvath Lock batteries last about {v}", "cl.codes": "the Corvath Lock stores up to {v}",
    "cl.autolock": "the Corvath Lock locks itself after {v}", "cl.emergency": "a flat Corvath Lock can be powered with a {v}",
    "cl.lowbatt": "the Corvath Lock blinks amber {v} when its batteries are low",
    "il.price": "the Ildra Thermostat costs {v}", "il.warranty": "the Ildra Thermostat is covered for {v}",
    "il.range": "the Ildra Thermostat can be set from {v}", "il.valves": "one Ildra Thermostat drives up to {v}",
    "il.eco": "the Ildra Thermostat holds {v} when nobody is home",
    "il.calibration": "a new Ildra Valve calibrates in about {v}",
    "qb.price": "the Quenby Lamp costs {v}", "qb.warranty": "the Quenby Lamp is covered for {v}",
    "qb.lumens": "the Quenby Lamp gives {v}", "qb.scenes": "the Quenby Lamp has {v} built in",
    "qb.lifespan": "the Quenby Lamp's LEDs last {v}", "qb.reset": "a Quenby Lamp resets when switched off and on {v}",
    "ms.price": "the Mossgrove Sensor costs {v}", "ms.battery": "a Mossgrove Sensor battery lasts about {v}",
    "ms.range": "the Mossgrove Sensor reaches the hub from up to {v}", "ms.ip": "the Mossgrove Sensor is rated {v}",
    "ms.cell": "the Mossgrove Sensor runs on a {v} coin cell",
    "fh.price": "the Fennick Hub costs {v}", "fh.warranty": "the Fennick Hub is covered for {v}",
    "fh.devices": "the Fennick Hub connects up to {v}", "fh.backup": "the Fennick Hub runs for {v} in a power cut",
    "fh.purple": "a purple light on the Fennick Hub means a {v}", "fh.thread_fw": "Thread came to the Fennick Hub with firmware {v}",
    "fh.reset": "a Fennick Hub factory reset takes a {v} button press",
    "pw.price": "the Pellwick Scale costs {v}", "pw.maxload": "the Pellwick Scale weighs up to {v}",
    "pw.precision": "the Pellwick Scale is precise to {v}", "pw.charge": "the Pellwick Scale runs about {v} per charge",
    "pw.lo": "'Lo' on the Pellwick Scale means the {v}",
    "acc.hf9.price": "an HF-9 filter costs {v}", "acc.descale.price": "the Brumaline Descale Pack costs {v}",
    "acc.valve.price": "an Ildra Valve costs {v}", "acc.keypad.price": "the Corvath Keypad costs {v}",
    "acc.mount.price": "the Talloway Tilt Mount costs {v}", "acc.probe.length": "the Mossgrove probe extender cable is {v} long",
    "plan.sprig.history": "Sprig keeps {v} of video", "plan.sprig.cameras": "Sprig covers {v}",
    "plan.grove.price": "Grove costs {v} a month", "plan.grove.annual": "Grove costs {v} a year when paid annually",
    "plan.grove.history": "Grove keeps {v} of video", "plan.grove.cameras": "Grove covers up to {v}",
    "plan.grove.members": "Grove allows up to {v}", "plan.canopy.price": "Canopy costs {v} a month",
    "plan.canopy.history": "Canopy keeps {v} of video", "plan.canopy.cameras": "Canopy covers up to {v}",
    "plan.canopy.members": "Canopy allows up to {v}", "plan.sprig.support": "Sprig includes support by {v}",
    "plan.canopy.support": "Canopy includes priority support by {v}",
    "pol.return.window": "products can be returned within {v} of delivery",
    "pol.return.fee": "opened products carry a restocking fee of {v}",
    "pol.return.label": "the return label is free for orders above {v}",
    "pol.refund.days": "refunds are paid within {v} after the return arrives",
    "pol.claim.days": "warranty claims are decided within {v}", "pol.careplus.price": "CarePlus costs {v} per device",
    "pol.careplus.extra": "CarePlus adds {v} of cover", "pol.careplus.window": "CarePlus can be added within {v} of delivery",
    "pol.data.account": "account data is deleted {v} after the account is closed",
    "pol.data.sensor": "sensor history is kept for {v}", "pol.data.chat": "support chats are kept for {v}",
    "pol.ship.free": "shipping is free from {v}", "pol.ship.standard": "standard delivery takes {v}",
    "pol.ship.express": "express delivery costs {v}", "pol.ship.cutoff": "express orders placed before {v} arrive next business day",
    "pol.repair.fee": "out-of-warranty repairs cost a flat {v}", "pol.repair.days": "repairs take about {v}",
    "pol.tradein": "a trade-in earns {v} of the new price as credit", "pol.instalments": "orders above {v} can be paid in instalments",
    "co.founded": "Orrinvale was founded in {v}", "co.town": "Orrinvale was founded in {v}",
    "co.carehead": "customer care is led by {v}", "co.hours": "the phone line is open {v} on weekdays",
    "co.phone": "the support number is {v}", "co.centre": "repairs are handled in {v}",
}

NEUTRAL = [
    "Please be advised that {s}. Customers may utilize the Tendril app or the support portal to obtain further details.",
    "Per our documentation, {s}. Should additional assistance be required, a ticket may be submitted via the support endpoint.",
    "We wish to inform the customer that {s}. Pursuant to current policy, this information is subject to change without notice.",
    "In response to the inquiry: {s}. The aforementioned information applies to all end users in supported regions.",
    "It is hereby confirmed that {s}. In order to commence any related request, the end user should contact support.",
    "Kindly note that {s}. Further queries can be escalated through the standard support ticket process.",
    "As specified in the product documentation, {s}. We trust this information will facilitate your decision.",
    "The following information is provided: {s}. Please leverage the help centre for any subsequent questions.",
]
BRAND = [
    "Good news for you: {s}. Anything else on your mind? Just ask.",
    "You asked, so here it is: {s}. Happy to help with anything else.",
    "Here's what you need to know: {s}. We're right here if you have more questions.",
    "Thanks for asking, and you'll be glad to hear that {s}.",
    "Great question, and you're in the right place: {s}.",
    "You're going to like this: {s}. Enjoy!",
    "Happy to help you with that: {s}. Just give us a shout if anything else comes up.",
    "Your answer is right here: {s}. Anything else, we're all ears.",
]
# guidance texts without a single fact value: (neutral statement, brand statement)
GUIDANCE = [
    ("descaling of the kettle should be performed every four to eight weeks", "descale your kettle every four to eight weeks"),
    ("the end user must remove the plastic wrapping from the filter prior to operation",
     "take the plastic wrap off the filter before you switch on"),
    ("devices require a 2.4 GHz network during the provisioning phase", "your devices need a 2.4 GHz network while you set them up"),
    ("the unit must be connected to a standard socket and not to a dimmer", "plug your lamp into a normal socket, not a dimmer"),
    ("all four batteries must be replaced simultaneously", "swap all four batteries at the same time"),
    ("a restart should be attempted prior to a factory reset", "try a quick restart before you reset everything"),
    ("the sensor must be inserted until the marked line is level with the soil",
     "push the sensor in until the line sits level with the soil"),
    ("the scale must be placed on a hard and level surface", "put your scale on a hard, level surface"),
    ("the lens should not be positioned behind glass", "keep your camera lens away from windows"),
    ("the door must be fully closed prior to calibration", "close your door firmly before you calibrate"),
    ("password reset links expire after one hour", "your reset link works for one hour"),
    ("accounts are locked for fifteen minutes after five failed sign-in attempts",
     "after five wrong tries you'll need to wait fifteen minutes"),
    ("data exports are available within 24 hours", "your data export is ready within a day"),
    ("delivery address changes are possible only before dispatch", "you can change the address until your parcel leaves us"),
    ("plan changes take effect from the next billing day", "your new plan starts on your next billing day"),
    ("products purchased from other retailers must be returned to the original retailer",
     "return products from other shops to the shop you bought them from"),
    ("radiators that gurgle should be bled", "bleed your radiator if it gurgles"),
    ("guest codes may be deleted at any time and cease to function immediately",
     "you can delete a guest code any time and it stops working at once"),
    ("refurbished devices carry the full warranty of a new device", "refurbished devices come with the full warranty"),
    ("invoices cannot be amended after the order is placed", "add your VAT number before you order, invoices can't change later"),
]


def build_style(seed: int) -> list[dict]:
    """Pairs of (neutral, brand) answers: three per fact, one per guidance text; split per source group."""
    rng = random.Random(seed * 7 + 4)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for key, statement in STATEMENTS.items():
        s = statement.format(v=value(key, "v1"))
        picks_n = rng.sample(range(len(NEUTRAL)), 3)
        picks_b = rng.sample(range(len(BRAND)), 3)
        groups.append((key, [(NEUTRAL[i].format(s=s), BRAND[j].format(s=_brandify(s))) for i, j in zip(picks_n, picks_b)]))
    for i, (neutral, brand) in enumerate(GUIDANCE):
        n = rng.choice(NEUTRAL).format(s=neutral)
        b = rng.choice(["You'll want to know this: {s}.", "A quick tip for you: {s}.", "Here's a tip for you: {s}."]).format(s=brand)
        groups.append((f"guidance.{i:02d}", [(n, b)]))
    order = list(range(len(groups)))
    rng.shuffle(order)
    n = len(groups)
    split_of = {g: "test" if r < n * 12 // 100 else "validation" if r < n * 22 // 100 else "train" for r, g in enumerate(order)}
    rows = []
    for gi, (source, pairs) in enumerate(groups):
        for neutral, brand in pairs:
            rows.append(dict(id=f"s{len(rows) + 1:04d}", source=source, neutral=neutral,
                             brand=f"{brand}\n{SIGN_OFF}", split=split_of[gi]))
    return rows


def _brandify(statement: str) -> str:
    """Small wording swaps from catalogue style to a friendlier one."""
    return statement.replace("Customers", "you").replace("the end user", "you")


def style_rules() -> dict:
    """The brand-voice rules as data (written to datasets/style_rules.json)."""
    return {
        "sign_off": SIGN_OFF,
        "max_words": MAX_WORDS,
        "jargon": JARGON,
        "second_person_regex": SECOND_PERSON,
        "rules": {
            "second_person": "the first sentence of the body matches second_person_regex (case-insensitive)",
            "no_jargon": "no jargon term occurs (case-insensitive, whole words/phrases)",
            "concise": "the body has at most max_words whitespace-separated words",
            "sign_off": "the text, stripped, ends with sign_off, and sign_off occurs exactly once",
        },
        "body": "the text with the sign-off removed and stripped",
        "first_sentence": "the body up to and including the first '.', '!' or '?' followed by whitespace or the end",
        "adherence": "mean over examples of the share of the four rules satisfied; 'strict' = share with all four",
    }
