"""Customer messages (emails, chat lines, tickets) paired with the JSON record a system must extract.

A message is assembled from parts that each fix one field of the record: the issue sentence fixes
category and severity, the request sentence fixes the action, tone sentences fix the sentiment, the
order clause fixes the order number. Noise (chatter, typos, a second product, look-alike numbers) is added
on top without changing the record. The labelling rules are written in datasets/README.md.
"""

from __future__ import annotations

import random

PRODUCT_NAMES = [
    "Brumaline K3", "Corvath Lock", "Fennick Hub", "Ildra Thermostat", "Mossgrove Sensor", "Pellwick Scale",
    "Quenby Lamp", "Spindrel Air 400", "Talloway Cam", "Vessimo Doorbell",
]
CATEGORIES = ["billing", "connectivity", "defect", "delivery", "feedback", "return", "setup", "subscription"]
SEVERITIES = ["low", "medium", "high", "critical"]
ACTIONS = ["cancel", "information", "refund", "repair", "replacement", "return_label", "troubleshooting", "none"]
SENTIMENTS = ["negative", "neutral", "positive"]
ORDER_PATTERN = r"^OV-[0-9]{5}$"

# how customers write each product: official name first, then casual forms and common misspellings
MENTIONS = {
    "Brumaline K3": ["Brumaline K3", "brumaline kettle", "K3 kettle", "the K3", "Brumalin K3"],
    "Corvath Lock": ["Corvath Lock", "corvath lock", "Corvath smart lock", "Corvat lock"],
    "Fennick Hub": ["Fennick Hub", "fennick hub", "Fennick", "Fenick hub"],
    "Ildra Thermostat": ["Ildra Thermostat", "ildra thermostat", "Ildra", "Ildra thermostaat"],
    "Mossgrove Sensor": ["Mossgrove Sensor", "mossgrove plant sensor", "Mossgrove", "Mosgrove sensor"],
    "Pellwick Scale": ["Pellwick Scale", "pellwick scale", "Pellwick kitchen scale", "Pelwick scale"],
    "Quenby Lamp": ["Quenby Lamp", "quenby lamp", "Quenby", "Quenbey lamp"],
    "Spindrel Air 400": ["Spindrel Air 400", "spindrel purifier", "Spindrel 400", "Spindel Air 400"],
    "Talloway Cam": ["Talloway Cam", "talloway camera", "Talloway", "Taloway cam"],
    "Vessimo Doorbell": ["Vessimo Doorbell", "vessimo doorbell", "Vessimo", "Vesimo doorbell"],
}

# (category, severity, text with {P} for the product or no {P}, is_question)
ISSUES = [
    ("defect", "high", "my {P} stopped working completely", False),
    ("defect", "high", "the {P} won't turn on anymore", False),
    ("defect", "medium", "the {P} makes a weird buzzing noise", False),
    ("defect", "medium", "there's a crack in the housing of my {P}", False),
    ("defect", "medium", "the display on my {P} flickers all the time", False),
    ("defect", "low", "there's a small scratch on the side of my {P}", False),
    ("defect", "critical", "the {P} gave off a burning smell and a bit of smoke", False),
    ("defect", "critical", "the {P} got really hot and sparked when I plugged it in", False),
    ("defect", "critical", "the {P} melted part of its own cable", False),
    ("defect", "high", "the {P} resets itself every few minutes and is unusable", False),
    ("connectivity", "medium", "my {P} keeps dropping off the wifi", False),
    ("connectivity", "high", "I can't get the {P} to connect to my network at all", False),
    ("connectivity", "medium", "the {P} shows as offline in the app most evenings", False),
    ("connectivity", "high", "the {P} refuses to pair with anything", False),
    ("connectivity", "low", "why does the {P} take so long to reconnect after a router restart?", True),
    ("setup", "low", "how do I set up the {P}?", True),
    ("setup", "medium", "I'm stuck on the pairing step while installing the {P}", False),
    ("setup", "low", "which app do I need for the {P}?", True),
    ("setup", "low", "the instructions for mounting the {P} are confusing", False),
    ("setup", "low", "can the {P} be installed without a hub?", True),
    ("billing", "medium", "I was charged twice for the same order", False),
    ("billing", "low", "the invoice shows the wrong VAT number", False),
    ("billing", "medium", "I got billed for Canopy even though I'm on Grove", False),
    ("billing", "medium", "my card was charged but the order was cancelled", False),
    ("billing", "low", "can I pay for the {P} in instalments?", True),
    ("billing", "medium", "I was charged the full price for the {P} although it was on sale", False),
    ("delivery", "high", "my parcel never arrived", False),
    ("delivery", "medium", "the box with the {P} arrived crushed", False),
    ("delivery", "medium", "tracking hasn't updated in a week", False),
    ("delivery", "low", "when will my order ship?", True),
    ("delivery", "medium", "the {P} was left outside in the rain by the courier", False),
    ("return", "low", "I'd like to send back the {P}, it doesn't suit our kitchen", False),
    ("return", "low", "the {P} isn't what I expected", False),
    ("return", "low", "how do I return the {P}?", True),
    ("return", "low", "we got the {P} as a gift but already have one", False),
    ("subscription", "low", "how do I cancel my Loft plan?", True),
    ("subscription", "low", "I want to move from Sprig to Grove", False),
    ("subscription", "medium", "the Grove features disappeared from my account", False),
    ("subscription", "medium", "my recorded clips are gone from the history", False),
    ("subscription", "low", "what's the difference between Grove and Canopy?", True),
    ("feedback", "low", "just wanted to say the {P} is fantastic", False),
    ("feedback", "low", "suggestion: the app needs a dark mode", False),
    ("feedback", "low", "the {P} works nicely but the app feels slow", False),
    ("feedback", "low", "the {P} looks great in our living room", False),
]
# product-specific problems, so that the text itself hints at the device
SPECIFIC = {
    "Brumaline K3": [("defect", "critical", "the {P} leaks water onto the power base", False),
                     ("defect", "medium", "the {P} shows E42 even after descaling", False)],
    "Corvath Lock": [("defect", "critical", "the {P} no longer locks the front door", False),
                     ("defect", "high", "the {P} motor gets stuck halfway", False)],
    "Talloway Cam": [("defect", "high", "the {P} only records black video", False)],
    "Spindrel Air 400": [("defect", "medium", "the fan of the {P} rattles loudly", False)],
    "Ildra Thermostat": [("defect", "high", "the {P} leaves every radiator cold", False)],
    "Vessimo Doorbell": [("defect", "high", "the {P} doesn't ring when someone presses it", False)],
}
POSITIVE_FEEDBACK = {"just wanted to say the {P} is fantastic", "the {P} looks great in our living room"}

REQUESTS = {
    "refund": ["I want my money back.", "Please refund me.", "Could you issue a refund?", "Refund please."],
    "replacement": ["Please send me a new one.", "I'd like a replacement unit.", "Can you swap it for a working one?"],
    "repair": ["Can you repair it?", "I'd like it fixed.", "Where can I send it in for repair?"],
    "return_label": ["Please send me a return label.", "Can I get a prepaid shipping label to send it back?",
                     "Email me a return label please."],
    "cancel": ["Please cancel it.", "Cancel my subscription please.", "I want to cancel."],
    "troubleshooting": ["What should I try?", "Any idea how to fix this?", "Can you walk me through fixing it?"],
}
ALLOWED = {
    "defect": ["refund", "replacement", "repair", "return_label", "troubleshooting"],
    "connectivity": ["troubleshooting", "replacement", "refund"],
    "setup": ["troubleshooting"],
    "billing": ["refund", "cancel"],
    "delivery": ["refund", "replacement", "cancel"],
    "return": ["refund", "return_label"],
    "subscription": ["cancel", "troubleshooting", "refund"],
    "feedback": [],
}
TONE = {
    "negative": ["This is really frustrating.", "Honestly, I'm very disappointed.", "Third time I'm writing about this!!",
                 "Unacceptable for a product at this price.", "I'm losing my patience here.", "Not impressed at all."],
    # praise, not mere politeness: "thanks in advance" alone is neutral
    "positive": ["Love your products otherwise!", "You've always been great, so I'm sure you can help.",
                 "Really happy with everything else you make.", "Your support was brilliant last time, thank you!",
                 "Big fan of the brand, by the way."],
}
CHATTER = [
    "We just got back from a week in the mountains.", "My cat keeps sitting on the router, ha.",
    "Hope your week is going well.", "The weather here has been awful lately.",
    "Writing this from my phone on the train, sorry for typos.", "My neighbour recommended you to me.",
    "We're in the middle of renovating the kitchen.", "Sorry, long day at work.",
    "By the way, my flat is number 12, third floor.", "Our football club meets on Thursdays so I'm free after 6.",
]
DISTRACTORS = ["My support ticket was 48213.", "Postcode 10115 if that matters.", "Invoice INV-2024-118 is attached.",
               "My customer number is 77120.", "I called from 0171 55502 yesterday."]
CONTEXT = [
    "I bought it in March and it was fine until last week.", "I've already tried unplugging it and restarting.",
    "We have two kids and a dog, so this really matters to us.", "I checked the FAQ but found nothing about it.",
    "My partner set everything up, so I'm not sure which settings we used.",
    "It happened right after the last app update.", "I'm not very technical, so please keep it simple.",
]
GREETINGS = ["Hi,", "Hello Orrinvale team,", "Dear support,", "Good morning,", "Hey there,", "To whom it may concern,"]
CLOSINGS = ["Best,", "Kind regards,", "Thanks,", "Cheers,", "Regards,", "All the best,", "Thanks in advance,"]
NAMES = ["Anna", "Jonas", "Priya", "Tomasz", "Lea", "Mehmet", "Sofie", "Luca", "Ines", "Ruben", "Hanna", "Oskar"]
ORDER_FORMS = ["Order {O}.", "My order number is {O}.", "(order {O})", "Ref: {O}.", "It was order {O}.", "order no. {O}"]
OTHER_PRODUCT_FORMS = ["I also have a {Q}, which works fine.", "My {Q} is fine, by the way.",
                       "I bought it together with a {Q}."]


def _typo(word: str, rng: random.Random) -> str:
    """One realistic slip: swap two neighbouring letters or drop one."""
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def _add_typos(text: str, rng: random.Random, n: int) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]  # placeholders like {P} are skipped
    for i in rng.sample(candidates, min(n, len(candidates))):
        words[i] = _typo(words[i], rng)
    return " ".join(words)


def make_message(rng: random.Random) -> tuple[str, dict, list[str]]:
    """One synthetic message, its gold record and tags describing what makes it easy or hard."""
    tags: list[str] = []
    product = rng.choice(PRODUCT_NAMES)
    pool = ISSUES + SPECIFIC.get(product, [])
    category, severity, issue, is_question = rng.choice(pool)
    has_product = "{P}" in issue
    if not has_product:
        product = None
    # action: an explicit request wins; otherwise a question asks for information; otherwise none
    action = "none"
    request = ""
    allowed = ALLOWED[category]
    if allowed and rng.random() < 0.7:
        action = rng.choice(allowed)
        request = rng.choice(REQUESTS[action])
    elif is_question:
        action = "information"
    # sentiment: from tone sentences only (positive feedback texts are positive by themselves)
    sentiment = rng.choices(["neutral", "negative", "positive"], [0.45, 0.35, 0.2])[0]
    if issue in POSITIVE_FEEDBACK:
        sentiment = "positive"
    tone = rng.choice(TONE[sentiment]) if sentiment != "neutral" and (issue not in POSITIVE_FEEDBACK) else ""

    order = None
    order_text = ""
    if rng.random() < 0.55:
        order = f"OV-{rng.randrange(10000, 100000)}"
        order_text = rng.choice(ORDER_FORMS)
        if rng.random() < 0.08:
            tags.append("lowercase_order")
    else:
        tags.append("no_order_number")

    extra = []
    if has_product and rng.random() < 0.15:
        other = rng.choice([p for p in PRODUCT_NAMES if p != product])
        extra.append(rng.choice(OTHER_PRODUCT_FORMS).replace("{Q}", rng.choice(MENTIONS[other][:3])))
        tags.append("two_products")
    if rng.random() < 0.25:
        extra.append(rng.choice(CHATTER))
        tags.append("chatter")
    if rng.random() < 0.1:
        extra.append(rng.choice(DISTRACTORS))
        tags.append("distractor_number")

    sentences = [issue[0].upper() + issue[1:] + ("" if issue.endswith("?") else ".")]
    if rng.random() < 0.3:
        sentences.append(rng.choice(CONTEXT))
        tags.append("long")
    if tone and sentiment == "negative":
        sentences.insert(rng.randrange(0, 2), tone)
    for s in extra:
        sentences.insert(rng.randrange(0, len(sentences) + 1), s)
    if order_text:
        sentences.insert(rng.randrange(1, len(sentences) + 1), order_text)
    if request:
        sentences.append(request)
    if tone and sentiment == "positive":
        sentences.append(tone)  # praise and thanks usually close a message
    body = " ".join(sentences)
    if rng.random() < 0.2:
        body = _add_typos(body, rng, rng.randint(1, 3))
        tags.append("typos")

    mention = ""
    if has_product:
        mention = rng.choices(MENTIONS[product], [4, 2, 2, 1, 1][: len(MENTIONS[product])])[0]
        if mention != product:
            tags.append("informal_product_name")
    channel = rng.choices(["email", "chat", "ticket"], [0.4, 0.4, 0.2])[0]
    tags.append(channel)
    order_str = order or ""
    if "lowercase_order" in tags:
        order_str = order_str.lower()
    body = body.replace("{P}", mention).replace("{O}", order_str)
    if channel == "chat":
        if rng.random() < 0.5:
            body = body.lower()  # many chat users never press shift; the gold record keeps canonical spellings
            tags.append("lowercase")
            if order and "lowercase_order" not in tags:
                tags.append("lowercase_order")
        text = body
    elif channel == "email":
        text = f"{rng.choice(GREETINGS)}\n\n{body}\n\n{rng.choice(CLOSINGS)}\n{rng.choice(NAMES)}"
    else:
        subject = {"defect": "Faulty device", "connectivity": "Connection problem", "setup": "Setup help",
                   "billing": "Billing", "delivery": "Delivery", "return": "Return", "subscription": "Loft plan",
                   "feedback": "Feedback"}[category]
        text = f"Subject: {subject}\n\n{body}"
    record = dict(product=product, category=category, severity=severity, order_number=order, action=action,
                  sentiment=sentiment)
    return text, record, sorted(tags)


def build_extraction(seed: int, n: int = 1300, n_test: int = 150, n_val: int = 100) -> list[dict]:
    """`n` unique messages with records; a seeded shuffle puts n_test in test, n_val in validation, rest in train."""
    rng = random.Random(seed * 7 + 3)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        text, record, tags = make_message(rng)
        if text.lower() in seen:  # no message twice, not even in a different case
            continue
        seen.add(text.lower())
        rows.append(dict(message=text, record=record, tags=tags))
    order = list(range(n))
    rng.shuffle(order)
    split_of = {}
    for rank, i in enumerate(order):
        split_of[i] = "test" if rank < n_test else "validation" if rank < n_test + n_val else "train"
    return [dict(id=f"x{i + 1:04d}", split=split_of[i], **row) for i, row in enumerate(rows)]


def extraction_schema() -> dict:
    """JSON Schema (Draft 2020-12) of one extraction record."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orrinvale.example/schemas/extraction.schema.json",
        "title": "Support message record",
        "description": "What a support system extracts from one customer message. All fields are required.",
        "type": "object",
        "properties": {
            "product": {"description": "the product the issue is about; null if none is named",
                        "enum": PRODUCT_NAMES + [None]},
            "category": {"description": "what the message is about", "enum": CATEGORIES},
            "severity": {"description": "critical = safety or security risk; high = unusable; medium = partly broken or "
                                        "money/delivery problem; low = question, feedback, cosmetic", "enum": SEVERITIES},
            "order_number": {"description": "OV- plus five digits, upper case; null if absent",
                             "type": ["string", "null"], "pattern": ORDER_PATTERN},
            "action": {"description": "what the customer explicitly asks for; information for a plain question; none",
                       "enum": ACTIONS},
            "sentiment": {"description": "the customer's expressed tone", "enum": SENTIMENTS},
        },
        "required": ["product", "category", "severity", "order_number", "action", "sentiment"],
        "additionalProperties": False,
    }
