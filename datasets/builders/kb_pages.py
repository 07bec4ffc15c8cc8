"""Company-wide pages: Loft plans, policies, FAQs, company information, notices and how-to articles.

Same conventions as kb_products.py: facts through ``f(key)``, v2-only text behind ``f.v2``.
"""

from __future__ import annotations


def _doc(id_, title, type_, date, body, product="general"):
    return dict(id=id_, title=title, type=type_, product=product, date=date, body=body)


# ---------------------------------------------------------------- Loft plans

def plan_pages(f):
    d = "2024-01-10"
    return [
        _doc("plan-overview", "Loft plans at a glance", "plan", d, f"""
# Loft plans at a glance

Loft is the optional cloud service behind the Tendril app. Every Orrinvale device works without it; a plan
adds video history for cameras, shared household access and faster support.

| Plan | Monthly fee | Video history | Cameras | Household members |
|---|---|---|---|---|
| Sprig | free | {f("plan.sprig.history")} | {f("plan.sprig.cameras")} | 2 members |
| Grove | {f("plan.grove.price")} | {f("plan.grove.history")} | {f("plan.grove.cameras")} | {f("plan.grove.members")} |
| Canopy | {f("plan.canopy.price")} | {f("plan.canopy.history")} | {f("plan.canopy.cameras")} | {f("plan.canopy.members")} |

You can change plan at any time; the new fee applies from the next billing day. Details of each plan are on
its own page.
"""),
        _doc("plan-sprig", "Sprig plan", "plan", d, f"""
# Sprig plan

Sprig is free and is activated automatically when you create an account.

## Included
- Video history of {f("plan.sprig.history")} for {f("plan.sprig.cameras")}
- Two household members
- Routines on the Fennick Hub, without limits
- Support by {f("plan.sprig.support")}, answered within two working days

## Not included
Person detection alerts, downloadable clips and shared guest codes for the Corvath Lock.
"""),
        _doc("plan-grove", "Grove plan", "plan", d, f"""
# Grove plan

Grove suits most households with a camera or two.

## Included
- Video history of {f("plan.grove.history")}, for up to {f("plan.grove.cameras")}
- Up to {f("plan.grove.members")} in the household
- Person detection and downloadable clips
- Guest codes for the Corvath Lock
- Chat support

## Price
{f("plan.grove.price")} per month, or {f("plan.grove.annual")} per year when paid annually. The first month is
free for new accounts.
"""),
        _doc("plan-canopy", "Canopy plan", "plan", d, f"""
# Canopy plan

Canopy is for large homes, holiday houses and small offices.

## Included
- Video history of {f("plan.canopy.history")}
- Up to {f("plan.canopy.cameras")}
- Up to {f("plan.canopy.members")} in the household, with roles (owner, adult, child, guest)
- Everything in Grove
- Priority support by {f("plan.canopy.support")}, plus chat and email

## Price
{f("plan.canopy.price")} per month. Annual payment is not offered for Canopy.

## Moving down a plan
Clips older than the history of the new plan are deleted seven days after the change.
"""),
    ]


# ---------------------------------------------------------------- policies

def policy_pages(f):
    d = "2024-02-01"
    return [
        _doc("pol-returns", "Returns and refunds", "policy", d, f"""
# Returns and refunds

## Return window
You can return any product bought from the Orrinvale web shop within {f("pol.return.window")} of delivery,
for any reason.

## Condition
Unopened products are refunded in full. For opened products in working order we deduct a restocking fee
of {f("pol.return.fee")} to cover cleaning and repackaging. Products damaged by misuse cannot be returned.

## Return shipping
A prepaid return label is free for orders above {f("pol.return.label")}; below that amount the label cost
is deducted from the refund.

## Refunds
Refunds go back to the original payment method within {f("pol.refund.days")} after the return arrives at our
warehouse. Loft plan fees are not refundable, but you can cancel a plan at any time.

## How to return
1. Open the order in your account on the web shop or in the Tendril app and choose Return.
2. Pick the items and a reason. The reason does not affect the refund; it helps us improve.
3. Remove the device from your home in the app so it can be set up by its next owner.
4. Pack the device with all accessories, ideally in its original box, and attach the label.
5. Drop the parcel at any point of the carrier named on the label.

## Exchanges
We do not swap items directly. Return the item and place a new order; the new order ships straight away
and does not wait for the refund.

## Gifts
A gift can be returned by the person who received it with the order number from the gift note. The refund
goes to the buyer; on request we issue store credit to the recipient instead.

## Not covered by this policy
Products bought from other shops: please return them to the shop you bought them from. Loft plans, digital
services and personalised items such as engraved kettles are not covered either.
"""),
        _doc("pol-warranty", "Manufacturer warranty", "policy", d, f"""
# Manufacturer warranty

Every Orrinvale product has a manufacturer warranty that starts on the day of delivery. The length depends
on the product and is shown on its product page.

## What is covered
Faults in materials and workmanship: a device that stops working, a defective battery in the first year,
a display fault.

## What is not covered
Damage from drops or liquids (except where the product is rated for water), limescale damage on kettles
that were not descaled, wear of filters and batteries after the first year, and cosmetic scratches.

## How to claim
Open a warranty claim in the Tendril app or on the support site with your order number or a proof of
purchase. We decide on a claim within {f("pol.claim.days")} and then send either a repaired unit, a
replacement, or a refund if neither is possible.

## While you wait
If a device you depend on fails (a lock or a thermostat in winter), tell us when you open the claim. We can
ship a replacement in advance against a card authorisation, which is released once the faulty device
arrives.

## Repairs, replacements and your data
A replaced device is a new unit: set it up again in the app. Repaired devices come back reset to factory
settings. Camera clips in the cloud and the history of your home are kept, because they belong to your
account, not to the device.

## Second-hand devices
The warranty stays with the device when it changes owner. The new owner needs the original order number or
a copy of the first invoice.

## Longer protection
See CarePlus for an extension of the warranty.
"""),
        _doc("pol-careplus", "CarePlus extended protection", "policy", d, f"""
# CarePlus extended protection

CarePlus adds {f("pol.careplus.extra")} to the manufacturer warranty of one device and also covers one
accidental damage event (a drop or a spill).

- Price: {f("pol.careplus.price")} per device, one-off payment
- Must be bought within {f("pol.careplus.window")} of the device's delivery
- Transfers to a new owner if you sell the device

CarePlus is not available for accessories or for the Pellwick Scale.
"""),
        _doc("pol-data", "Data retention", "policy", d, f"""
# Data retention

We keep personal data only as long as we need it to run the service.

| Data | Kept for |
|---|---|
| Account profile after you close the account | {f("pol.data.account")} |
| Sensor and thermostat history | {f("pol.data.sensor")} |
| Support chat transcripts | {f("pol.data.chat")} |
| Camera clips | according to your Loft plan |
| Invoices | ten years (legal requirement) |

You can export your data at any time from the app: Settings > Privacy > Export. Export files are ready
within 24 hours and the download link works for seven days.
"""),
        _doc("pol-privacy-requests", "Privacy requests", "policy", d, """
# Privacy requests

To see, correct or delete the personal data we hold about you, send a request from the app or write to the
privacy team through the support site. We answer within one month. Deleting an account also deletes its
camera clips immediately; other data follows the data-retention table.
"""),
        _doc("pol-shipping", "Shipping and delivery", "policy", d, f"""
# Shipping and delivery

## Costs
Standard shipping is free for orders from {f("pol.ship.free")}; below that it costs 5.90 EUR.
Express shipping costs {f("pol.ship.express")}.

## Times
- Standard: {f("pol.ship.standard")}
- Express: next business day when ordered before {f("pol.ship.cutoff")}

## Where we ship
We ship to addresses in the EU, Norway and Switzerland. Parcel lockers are accepted for standard shipping
only. Large orders (more than ten devices) are shipped on a pallet and need a phone number for the driver.

## Tracking
You receive a tracking link by email when the parcel leaves the warehouse. Most orders leave the warehouse
on the day they are placed; pre-orders ship on the date shown in the shop.

## Packaging
Parcels are packed in recycled cardboard without plastic fillers. Devices travel in their own retail box
inside the shipping box, so the retail box can be kept for a return.

## Damaged parcels
If the outer box is badly damaged, you may refuse the parcel; it comes back to us and we send a new one. If
you accept it and the device is damaged, take photos of the box and the device and contact support within
14 days.

## Customs
Orders to Norway and Switzerland are shipped with duties paid; no extra charges are collected on delivery.
"""),
        _doc("pol-repairs", "Repairs outside warranty", "policy", d, f"""
# Repairs outside warranty

When a device is out of warranty we still repair it for a flat fee of {f("pol.repair.fee")} per device,
spare parts included, as long as parts are available. Send the device with the prepaid label from the
support site; the usual turnaround is {f("pol.repair.days")} from arrival. If a repair is not possible we
return the device and refund the fee.
"""),
        _doc("pol-tradein", "Trade-in programme", "policy", d, f"""
# Trade-in programme

Trade in an old Orrinvale device, working or not, when you buy its successor and get {f("pol.tradein")} of
the new device's price as store credit. One trade-in per new device; the old device must be sent back within
30 days.
"""),
        _doc("pol-payment", "Payment options", "policy", d, f"""
# Payment options

We accept debit and credit cards, bank transfer and payment on invoice for registered businesses. Orders
above {f("pol.instalments")} can be paid in three monthly instalments without interest. Loft plans are
charged to a card only.
"""),
    ]


# ---------------------------------------------------------------- FAQ

def faq_pages(f):
    d = "2024-06-01"
    return [
        _doc("faq-general", "Frequently asked questions", "faq", d, f"""
# Frequently asked questions

### Do I need a subscription?
No. All devices work with the free Sprig plan. Grove and Canopy add longer video history and more members.

### Do devices work without internet?
Devices paired with the Fennick Hub keep running their routines locally. Cameras cannot upload clips
without internet, but the Talloway Cam still records to its microSD card.

### Which phones are supported?
The Tendril app runs on phones released in the last six years. Tablets are supported in landscape mode.

### Can several people control the same home?
Yes, invite them in the app under Home > Members. The number of members depends on your plan.

### Where are Orrinvale products made?
They are designed in {f("co.town")} and assembled by partners in Europe.

### Is there a warranty?
Yes, between 12 and 36 months depending on the product; CarePlus extends it.

### How do I contact support?
Through the app, the support site, or by phone on weekdays. See Contact and support hours.

### Can I buy Orrinvale devices in shops?
Our own web shop is the main channel. A few partner shops sell selected devices; their return rules apply to
devices bought there.

### Are spare parts available?
Yes. Every product page lists the spare parts you can order, from kettle lids to lamp shades, and we keep
parts for at least seven years after a product's launch.

### Can I repair a device myself?
Yes, repair guides are published for every product. Opening a device does not void the warranty, but damage
caused during a repair is not covered.

### How do I recycle an old device?
Send it to us with a free label from the support site, or trade it in when you buy its successor.

### Do devices get new features?
Yes, through firmware updates. Release notes for each device are published in the knowledge base.
"""),
        _doc("faq-billing", "Billing questions", "faq", d, """
# Billing questions

### When am I charged for a plan?
On the same day each month as the day you subscribed. If that day does not exist in a month, on its last day.

### Can I get an invoice with my company's VAT number?
Yes. Add the VAT number under Account > Billing before you order; invoices cannot be changed afterwards.

### I was charged twice.
A second line that disappears after a few days is a card pre-authorisation, not a charge. If both charges
stay for more than five days, send us both transaction references.

### How do I cancel a plan?
Account > Plan > Cancel. You keep the plan until the end of the period you paid for.
"""),
        _doc("faq-shipping", "Delivery questions", "faq", d, """
# Delivery questions

### My parcel shows as delivered, but I do not have it.
Check with neighbours and the parcel locker, then wait one business day: carriers sometimes scan early.
After that, report it and we open an investigation with the carrier.

### Can I change the delivery address?
Only before the parcel leaves the warehouse. Write to support with the order number as quickly as possible.

### Do you deliver on Saturdays?
Only in some cities, and only for standard shipping.
"""),
        _doc("faq-app", "Tendril app questions", "faq", d, """
# Tendril app questions

### Why does the app ask for my location?
Location is used for sunrise and sunset routines and for arriving-home automations. You can refuse it;
those features then use times you enter.

### Can I use the app on a computer?
There is a web version for viewing devices and clips. Setup of new devices needs the phone app.

### How do I share a camera with a neighbour?
Invite them as a guest member. Guests can see live video but not the clip history.

### What happens to my devices if I delete the app?
Nothing: devices keep their settings. Sign in again after reinstalling.
"""),
        _doc("faq-devices", "Device questions", "faq", d, f"""
# Device questions

### Does the Brumaline K3 switch off when empty?
Yes, a dry-boil sensor switches the element off within two seconds.

### Can the Spindrel Air 400 run all night?
Yes; in night mode it runs at {f("sp.noise")} with the display off.

### Can the Corvath Lock be opened with a normal key?
Yes, from outside your existing key still works.

### Does the Quenby Lamp need a hub?
No, Bluetooth is enough for basic control.

### How many Mossgrove Sensors can I use?
As many as your Fennick Hub accepts, within the hub's total device limit.

### Can I weigh liquids with the Pellwick Scale?
Yes, switch the unit to millilitres for water or milk.
"""),
    ]


# ---------------------------------------------------------------- company

def company_pages(f):
    d = "2024-01-05"
    return [
        _doc("co-about", "About Orrinvale", "company", d, f"""
# About Orrinvale

Orrinvale was founded in {f("co.founded")} in the harbour town of {f("co.town")} by a group of appliance
engineers who wanted home devices that are repairable and work without a cloud account.

## What we make
Kitchen devices (the Brumaline kettles and the Pellwick Scale), climate devices (the Spindrel purifiers and
the Ildra Thermostat), security devices (the Talloway Cam and the Corvath Lock), lighting and garden
sensors, and the Fennick Hub that ties them together.

## How we work
We publish repair guides for every product, keep spare parts for at least seven years after a product's
launch, and ship firmware updates for at least five years.

## Customer care
Our customer care team is led by {f("co.carehead")}.
"""),
        _doc("co-contact", "Contact and support hours", "company", d, f"""
# Contact and support hours

- Phone: {f("co.phone")}, Monday to Friday, {f("co.hours")} CET
- Chat: in the Tendril app, every day from 08:00 to 22:00 CET
- Email: through the form on the support site, answered within two working days

Canopy members have a priority phone queue. Please keep your order number ready; it starts with OV- and has
five digits.
"""),
        _doc("co-service-centre", "Service centre", "company", d, f"""
# Service centre

Repairs, warranty returns and trade-ins are handled at our service centre in {f("co.centre")}. Do not send
devices without a label from the support site: parcels without a case number cannot be matched and are
returned to the sender.
"""),
        _doc("co-sustainability", "Sustainability report summary", "company", d, """
# Sustainability report summary

Packaging is made of recycled cardboard without plastic windows. Every product page lists the spare parts
that can be ordered. Returned devices are refurbished and sold in the outlet section of the web shop with a
full warranty. We compensate the emissions of our shipping through a certified forest project.
"""),
    ]


# ---------------------------------------------------------------- notices and how-to articles

def notice_pages(f):
    pages = [
        _doc("note-holiday", "Holiday support hours", "notice", "2024-12-01", """
# Holiday support hours

Between 24 and 26 December and on 1 January the phone line is closed. Chat remains open with shorter
hours. Orders placed during the holidays ship on the next working day.
"""),
        _doc("note-k2-end", "End of service for the Brumaline K2", "notice", "2023-04-01", """
# End of service for the Brumaline K2

The Brumaline K2 no longer receives firmware updates and can no longer be added to new accounts. Kettles
already set up keep working. Owners can use the trade-in programme towards a Brumaline K3.
""", "Brumaline K3"),
        _doc("note-security-talloway", "Security update for cameras", "notice", "2024-02-11", """
# Security update for cameras

A security update for the Talloway Cam fixes a flaw that could let a device on the same network read the
camera's name. No video was exposed. The update installs automatically overnight.
""", "Talloway Cam"),
        _doc("note-app-redesign", "New look for the Tendril app", "notice", "2024-09-01", """
# New look for the Tendril app

The home screen now groups devices by room and shows the most recent camera event at the top. Routines
moved to their own tab. Nothing changes for your devices or settings.
"""),
        _doc("note-outlet", "Outlet section of the web shop", "notice", "2024-03-15", """
# Outlet section of the web shop

Refurbished and returned devices are sold in the outlet with the full warranty of a new device. Stock
changes daily; items cannot be reserved.
"""),
        _doc("note-spring-sale", "Garden season", "notice", "2024-03-20", """
# Garden season

Spring is the right time to add Mossgrove Sensors to beds and pots. Remember that every sensor needs a
Fennick Hub within reach; in large gardens a hub placed near a window facing the garden works best.
""", "Mossgrove Sensor"),
        _doc("howto-descale", "How often should I descale my kettle?", "guide", "2024-01-20", """
# How often should I descale my kettle?

It depends on your water hardness. With soft water every two to three months is enough; with hard water,
every month. White flakes in the water or a louder boil are signs that it is time. Vinegar works but
leaves a smell; a citric-acid descaler is gentler.
""", "Brumaline K3"),
        _doc("howto-routines", "Five routines to start with", "guide", "2024-05-05", """
# Five routines to start with

1. Good morning: the kettle heats and the lamp brightens at your alarm time.
2. Leaving home: the lock locks, the thermostat goes to eco and cameras start recording.
3. Arriving home: heating back to comfort and the hallway lamp on.
4. Night: purifier in night mode, lamp off, lock checked.
5. Dry soil: a notification when a plant sensor reads dry.
"""),
        _doc("howto-rooms", "Organising devices in rooms", "guide", "2024-05-06", """
# Organising devices in rooms

Give every device a room in the app. Rooms make routines easier ("all lamps in the living room") and let
the Ildra Thermostat match valves to the right space. Rename rooms at any time without re-pairing.
"""),
        _doc("howto-guest-codes", "Giving guests access", "guide", "2024-06-30", """
# Giving guests access

Create a guest code for a cleaner, a dog walker or a holiday rental. Each code can be limited to days and
hours, and you see in the history when it was used. Delete a code at any time; it stops working at once.
""", "Corvath Lock"),
        _doc("howto-air", "Understanding air-quality numbers", "guide", "2024-09-20", """
# Understanding air-quality numbers

The app shows fine dust as a number from 0 to 500. Below 50 is good, 50 to 100 moderate, above 100 poor.
Cooking and candles raise the number for an hour or so; a reading that stays high suggests a draught from
outside or a filter that needs changing.
""", "Spindrel Air 400"),
        _doc("howto-energy", "Saving energy with heating schedules", "guide", "2023-12-01", """
# Saving energy with heating schedules

Lowering the temperature by one degree saves roughly six percent of heating energy. Use schedules for
weekdays and weekends, let open-window detection close valves, and use holiday mode when you travel.
""", "Ildra Thermostat"),
    ]
    if f.v2:
        pages.append(_doc("note-talloway-end", "Talloway Cam withdrawn from sale", "notice", "2025-07-01", f"""
# Talloway Cam withdrawn from sale

The Talloway Cam is now {f("tc.status")}. Cameras already installed keep working and receive security
updates until {f("tc.updates")}. For the front door, see the new Vessimo Doorbell.
""", "Talloway Cam"))
        pages.append(_doc("note-price-update", "Price and plan update July 2025", "notice", "2025-07-01", """
# Price and plan update July 2025

From July 2025 some device prices and Loft plan fees changed, and several plan limits were raised. The
product and plan pages show the current values. Plans already paid for keep their price until renewal.
"""))
    return pages


# ---------------------------------------------------------------- long guides (multi-section pages)

def long_guides(f):
    d = "2024-08-20"
    return [
        _doc("guide-buying", "Which Orrinvale devices do I need?", "guide", d, """
# Which Orrinvale devices do I need?

A short buying guide for a first Orrinvale home. Start small: every device works on its own with the
Tendril app, and you can add a hub later without setting anything up again.

## Kitchen
The Brumaline K3 is the device most people start with: it is useful from day one and needs no hub. Add the
Pellwick Scale if you bake; recipe mode in the app walks you through each ingredient. Both connect to your
phone directly.

## Air and heating
If you live near a busy road or have pets, the Spindrel Air 400 makes the most noticeable difference in a
bedroom or living room. For heating, the Ildra Thermostat with one Ildra Valve per radiator replaces manual
radiator knobs; most flats need one thermostat and four to eight valves.

## Security
The Corvath Lock keeps your existing keys and adds phone and code access; add the Corvath Keypad if people
without the app need to get in. Indoor cameras let you check on pets or a nursery. Video history depends on
your Loft plan.

## Light and garden
The Quenby Lamp works over Bluetooth straight out of the box. Mossgrove Sensors need a Fennick Hub, which
also lets lamps, locks and thermostats react to each other in routines.

## When to add the hub
Add the Fennick Hub when you want devices to work together (for example "when the door unlocks, switch the
hallway lamp on"), when you use Mossgrove Sensors, or when you want routines to keep running without
internet.

## Budget tips
The outlet section of the web shop sells refurbished devices with the full warranty. The trade-in programme
gives credit for an old device when you buy its successor. Orders above a certain amount can be paid in
instalments; see Payment options.
"""),
        _doc("guide-compatibility", "Compatibility overview", "guide", d, """
# Compatibility overview

Which connection each Orrinvale device uses, and what it needs to work.

| Device | Connects over | Needs the Fennick Hub | Works offline |
|---|---|---|---|
| Brumaline K3 | Wi-Fi 2.4 GHz, Bluetooth for setup | no | dial on the base only |
| Pellwick Scale | Bluetooth | no | yes, shows weights |
| Spindrel Air 400 | Wi-Fi 2.4 GHz | no | yes, automatic mode |
| Talloway Cam | Wi-Fi 2.4 GHz | no | records to microSD |
| Corvath Lock | Bluetooth, or Thread through the hub | for remote access | yes, phone nearby and key |
| Ildra Thermostat | low-power radio to valves, Thread to the hub | for routines | yes, schedules run locally |
| Quenby Lamp | Bluetooth, or Zigbee through the hub | for schedules | touch control |
| Mossgrove Sensor | Zigbee | yes | readings are stored on the hub |
| Fennick Hub | Ethernet or Wi-Fi | - | routines run locally |

## Voice assistants and other apps
Orrinvale devices can be controlled from the Tendril app and its web version. Integrations with other
platforms are listed in the app under Settings > Integrations and change over time.

## Phones
The Tendril app runs on phones released in the last six years. Bluetooth must be switched on during the
setup of any device.

## Networks
Devices that join Wi-Fi directly support 2.4 GHz networks only. Mesh networks work if 2.4 GHz is enabled.
Captive portals (hotel or student-residence networks that need a login page) are not supported.
"""),
        _doc("guide-app", "Tendril app user guide", "guide", d, """
# Tendril app user guide

The Tendril app sets up, controls and updates every Orrinvale device. This guide walks through its tabs.

## Home
Devices are grouped by room. Tap a device to control it; press and hold to open its settings. The most
recent camera event is shown at the top, and a banner appears when a device needs attention (a filter to
change, a battery running low, an update waiting).

## Routines
Create a routine with a trigger and one or more actions. Triggers can be a time, sunrise or sunset with an
offset, a device event (door unlocked, motion seen, soil dry), or a member arriving or leaving. Routines
that involve several devices run on the Fennick Hub.

## Activity
A timeline of everything that happened: doors opened, codes used, camera clips, alerts. Filter by room,
device or member. How far back the timeline goes for camera clips depends on your Loft plan; other events
follow the data-retention policy.

## Account
Manage members, your Loft plan, billing details, and privacy settings. From here you can export your data
or close your account.

## Updates
Firmware updates install automatically at night by default. You can switch a device to manual updates and
install them from its settings page. Never unplug a device while its update is running.

## Notifications
Each device has its own notification settings. Quiet hours mute everything except safety alerts (smoke
alarm sound, lock tampering, dry-boil on the kettle).
"""),
        _doc("faq-loft", "Loft plan questions", "faq", d, """
# Loft plan questions

### What is Loft?
Loft is the optional cloud service behind the Tendril app. It stores camera clips, lets several people
share a home, and adds extra support options. Sprig is free; Grove and Canopy are paid.

### Do I lose my routines if I cancel a paid plan?
No. Routines run on the Fennick Hub and are part of every plan, including Sprig.

### What happens to my clips when I move to a smaller plan?
Clips older than the new plan's history are deleted seven days after the change, so you have a week to
download anything you want to keep.

### Can I pay for a year in advance?
Only for Grove. Canopy is billed monthly.

### Is there a free trial?
New accounts get the first month of Grove free. You can cancel before the end of the month and stay on
Sprig.

### Can I share a plan with my parents at another address?
A plan covers one home. Each home needs its own plan, but one account can belong to several homes.

### Do I need a plan for the Corvath Lock?
No, the lock works with Sprig. Guest codes that are shared from the app need Grove or Canopy.

### What counts as a camera?
Every device that records video, including doorbells.
"""),
        _doc("guide-glossary", "Glossary", "guide", d, """
# Glossary

**Border router** - a device that connects a Thread network to your home network; the Fennick Hub can act
as one.

**Calibration** - a short automatic routine in which a device measures its own range of movement, for
example a radiator valve or a door lock.

**Eco temperature** - the lower temperature the heating keeps when nobody is home.

**Firmware** - the software inside a device. Updates install automatically at night by default.

**Household member** - a person invited to your home in the app. Members can control devices; roles limit
what they can change.

**Loft** - the optional cloud service with the plans Sprig, Grove and Canopy.

**Routine** - an automation: a trigger followed by one or more actions.

**Scene** - a saved light setting (brightness and colour temperature).

**Tare** - setting a scale to zero with a container on it.

**Thread and Zigbee** - low-power radio standards for smart-home devices; Orrinvale sensors and lamps use
them to talk to the hub.

**Video history** - how long camera clips stay in the cloud before they are deleted.
"""),
        _doc("guide-getting-started", "Getting started with your Orrinvale home", "guide", d, """
# Getting started with your Orrinvale home

## 1. Create your account
Install the Tendril app and sign up with your email address. You start on the free Sprig plan.

## 2. Add your first device
Tap Add device and follow the steps for your device. Keep your phone near the device and make sure Bluetooth
is on. Devices that use Wi-Fi need the password of a 2.4 GHz network.

## 3. Name rooms
Give each device a room. Rooms make routines and voice-free control much easier.

## 4. Invite your household
Invite members under Home > Members. Each member uses their own account; the number of members depends on
your plan.

## 5. Build a first routine
Start with something simple, such as switching a lamp on at sunset. The Five routines to start with article
has more ideas.

## 6. Keep devices up to date
Leave automatic updates on. Update notes for every device are published in the release notes section.

## Need help?
The troubleshooting guides cover the most common problems. Support is reachable through the app, the
support site and by phone.
"""),
        _doc("guide-safety", "Safety information", "guide", d, """
# Safety information

Read this before using any Orrinvale device, and keep it for later.

## Electrical devices
Use only the supplied power adapters and cables. Do not use a device with a damaged cable or plug; contact
support for a replacement part. Keep mains-powered devices away from baths, sinks and showers, except the
kettle, which belongs on a kitchen worktop away from the edge.

## Batteries
Replace batteries with the type stated on the product page. Keep coin cells away from children: swallowing
one can cause serious injury within hours. Recycle used batteries at a collection point.

## Heat and water
Do not cover the purifier's air outlet or the kettle's lid vent. Never fill the kettle above the MAX line
or operate it without water. Outdoor sensors are designed for rain and frost, indoor devices are not.

## Locks and cameras
Keep a mechanical key to your door somewhere safe outside the home. Respect the privacy of others: do not
point cameras at neighbours' property, and tell guests when cameras are recording.

## Children
Orrinvale devices are not toys. The kettle's child lock and the lock's member roles help in homes with
children, but supervision is still needed.
"""),
        _doc("guide-moving", "Moving house with Orrinvale devices", "guide", d, """
# Moving house with Orrinvale devices

Create the new home in the app first, then move devices one by one: choose a device, Settings > Move to
another home. Devices that join Wi-Fi need the new network's password. The Corvath Lock must be removed
from the old door and calibrated again on the new one; remember to delete all codes before you hand over
the old home. Radiator valves need new adapter rings if the radiators are a different brand. Your Loft plan
moves with your account, not with the address.
"""),
    ]


WRITERS = [plan_pages, policy_pages, faq_pages, company_pages, notice_pages, long_guides]
