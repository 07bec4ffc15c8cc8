"""Product-centred pages: product sheets, setup guides, troubleshooting guides, release notes, accessories.

Each writer takes ``f`` (kb.FactRef) and returns one document dict or a list of them. Facts are always
written through ``f(key)`` so that their location is recorded; v2-only text is guarded with ``f.v2``.
"""

from __future__ import annotations


def _doc(id_, title, type_, product, date, body):
    return dict(id=id_, title=title, type=type_, product=product, date=date, body=body)


# ---------------------------------------------------------------- product sheets

def prod_k3(f):
    return _doc("prod-k3", "Brumaline K3 smart kettle", "product", "Brumaline K3", "2024-05-02", f"""
# Brumaline K3 smart kettle

The Brumaline K3 heats water to the exact temperature your tea, coffee or baby formula needs, and it can be
started from the Tendril app before you get out of bed.

## Overview
The K3 has a brushed steel body, a double wall that stays cool to the touch, and a removable limescale
filter in the spout. A single dial on the base selects the temperature; a ring of light shows progress.
It went on sale on {f("k3.launch")} and replaced the older Brumaline K2, which is no longer serviced.

## Specifications
- Capacity: {f("k3.capacity")}
- Heating element: {f("k3.power")}, concealed under a stainless floor
- Temperature control: {f("k3.presets")} from 40 °C to 100 °C, plus a custom value set in the app
- Keep-warm: holds the chosen temperature for up to {f("k3.keepwarm")}
- Connectivity: 2.4 GHz Wi-Fi, Bluetooth LE for first setup
- Current firmware: {f("k3.firmware")}
- Cable: 75 cm, stored in the base
- Part number: {f("k3.part")}

## Price and warranty
- List price: {f("k3.price")}, VAT included
- Manufacturer warranty: {f("k3.warranty")} from the date of delivery
- Colours: slate grey, fjord blue and oat white

## In the box
Kettle, power base, limescale filter, quick-start card.

## Using the app
In the Tendril app you can start the kettle remotely, name your favourite temperatures ("green tea",
"pour-over") and see how much water is left, measured by a weight sensor in the base. A morning schedule
heats the water at a set time on the weekdays you choose. The kettle will not start remotely when it is
empty or off its base.

## Safety
- Dry-boil protection switches the element off when there is no water.
- The lid locks while the water is boiling and opens with a button on the handle.
- A child lock in the app disables the dial.

## Care
Descale every four to eight weeks depending on your water. Never immerse the kettle or the base in water.
The Brumaline Descale Pack is sold separately. Wipe the steel body with a soft damp cloth; abrasive pads
leave marks on the brushed finish.

## Frequently asked
**Can I boil less than a cup?** Yes, down to 250 ml; the weight sensor stops the kettle from running dry.

**Is the inside plastic?** No, all parts that touch water are stainless steel or glass.
""")


def prod_spindrel(f):
    return _doc("prod-spindrel", "Spindrel Air 400 air purifier", "product", "Spindrel Air 400", "2024-09-18", f"""
# Spindrel Air 400 air purifier

Quiet, tall and slim, the Spindrel Air 400 pulls air through three filter stages and reports air quality
in the Tendril app.

## What it does
A pre-filter catches hair and dust, a pleated particle layer traps pollen and fine dust, and an activated
carbon layer takes care of cooking smells. An air-quality sensor in the base adjusts fan speed by itself,
so most owners leave it on automatic.

## Technical data
| Item | Value |
|---|---|
| Recommended room size | up to {f("sp.coverage")} |
| Replacement filter | {f("sp.filter")} combined filter |
| Filter life | about {f("sp.filterlife")} of daily use |
| Sound level in night mode | {f("sp.noise")} |
| Weight | {f("sp.weight")} |
| Part number | SA4-1180 |

## Buying
The Spindrel Air 400 costs {f("sp.price")}. It is covered by a {f("sp.warranty")} warranty, the longest in
our range, because the fan motor is brushless.

## Modes
- Automatic: fan speed follows the air-quality sensor.
- Night: display off, fan limited to the lowest speed.
- Boost: full speed for 20 minutes, then back to automatic.
- Away: runs on a schedule set in the app, for example an hour before you come home.

## Placement
Leave at least 20 cm free on every side. Do not place it directly beside a humidifier: the mist is read as
fine dust and the fan will run at full speed. In a bedroom, put it at least one metre from the bed so the
airflow is not felt.

## Filters
The filter counter in the app counts actual running hours. When the ring around the display turns red,
order a new filter; running with a saturated filter does not harm the device but cleans the air poorly.
Washing the filter destroys the carbon layer.

## Frequently asked
**Does it remove smells?** Cooking and pet smells, yes, thanks to the carbon layer; strong smoke smells need
several hours.

**Can it run in a room with the door closed?** Yes; for the best effect keep windows closed while it runs.

**Does it produce ozone?** No. It filters mechanically and has no ioniser.
""")


def prod_talloway(f):
    status_note = ""
    if f.v2:
        status_note = ("\nThe Talloway Cam has been withdrawn from sale. Existing cameras keep receiving security "
                       "updates and the warranty of every camera already sold is honoured in full.\n")
    return _doc("prod-talloway", "Talloway Cam indoor camera", "product", "Talloway Cam", "2024-02-11", f"""
# Talloway Cam indoor camera

A compact indoor camera for watching over a hallway, a nursery or a pet while you are away.
{status_note}
## Highlights
- Video: 2K (2560 × 1440) at up to 25 frames per second
- Lens: {f("tc.fov")} diagonal field of view
- Night vision: infrared, clear up to {f("tc.night")}
- Local recording: microSD card up to {f("tc.sd")} (card not included)
- Two-way audio with noise reduction
- Privacy shutter that closes the lens physically

## Price
{f("tc.price")}, including VAT. Availability: {f("tc.status")}.

## Warranty
{f("tc.warranty")}, covering the camera and the power adapter.

## Detection and alerts
The camera detects motion, people and the sound of a smoke alarm. Alerts can be limited to zones you draw
in the app and muted on a schedule, for example while you are home in the evening. Person detection needs
a Grove or Canopy plan.

## Privacy
The lens can be closed with the physical shutter, and the camera can switch itself off whenever a household
member's phone is at home. Recordings on the card are encrypted and can only be read through the app.
Security updates are guaranteed until {f("tc.updates")}.

## Cloud recording
Clips are stored in the cloud according to your Loft plan; see the plan pages for how long each plan keeps
them. Without a plan the camera still streams live video and records to the microSD card.
""")


def prod_corvath(f):
    return _doc("prod-corvath", "Corvath Lock smart door lock", "product", "Corvath Lock", "2024-06-30", f"""
# Corvath Lock smart door lock

The Corvath Lock fits over the inside of most European cylinder locks, so you keep your existing keys and
add phone, code and schedule access.

## Overview
Installation takes about fifteen minutes and needs no drilling. The lock motor runs on batteries, and the
Tendril app warns you well before they run out. Guests can be given codes that work only at certain times.

## Specifications
- Power: four AA batteries, about {f("cl.battery")} of typical use
- Access codes: up to {f("cl.codes")} per lock
- Auto-lock: after {f("cl.autolock")} by default (adjustable in the app)
- Emergency power: contacts under the handle accept a {f("cl.emergency")}
- Door thickness: 35 to 110 mm
- Part number: CVL-2209

## Price
The Corvath Lock retails for {f("cl.price")}. The optional Corvath Keypad adds outdoor code entry.

## Access methods
- Phone: unlocks automatically when you arrive, if you allow location access.
- Codes: entered on the optional Corvath Keypad outside the door.
- Schedules: a code or a member can be limited to days and hours.
- Key: your existing key keeps working from outside.

## Security
Commands between phone, hub and lock are encrypted end to end. The lock logs every opening with the method
and the member, and the log can be exported. If someone tries five wrong codes in a row, the keypad is
blocked for five minutes and you get an alert.

## Warranty
Every Corvath Lock carries a {f("cl.warranty")} warranty on the motor and electronics. Batteries are not
covered.

## Frequently asked
**What if my phone battery is flat?** Use your key, or a code on the keypad if you have one.

**Does it fit doors that open outward?** Yes, as long as the cylinder sticks out at least 3 mm on the
inside.

**Can I see who opened the door?** Yes, in the Activity tab of the app.
""")


def prod_ildra(f):
    return _doc("prod-ildra", "Ildra Thermostat", "product", "Ildra Thermostat", "2023-11-20", f"""
# Ildra Thermostat

The Ildra Thermostat controls your radiators room by room and learns when you are usually home.

## Overview
Mount it on a wall or stand it on a shelf; it talks to Ildra Valve radiator heads over a low-power radio link.
One thermostat can drive up to {f("il.valves")}, so a typical flat needs a single unit.

## Specifications
- Setpoint range: {f("il.range")}
- Display: 3.5-inch e-ink, readable in sunlight
- Eco setpoint: {f("il.eco")} by default when everyone is away
- Power: USB-C or two AAA batteries
- Part number: ILT-3301

## Price and warranty
| | |
|---|---|
| Price | {f("il.price")} |
| Warranty | {f("il.warranty")} |

## Heating schedules
Set a comfort temperature and an eco temperature, then draw the times of day for each on a weekly plan.
The thermostat starts heating early so that the room reaches the comfort temperature on time, and it learns
how long each room needs. Open-window detection and holiday mode were added with firmware 2.0.

## Installation
No wiring is needed: the thermostat reads the room temperature itself and sends targets to the valves.
Existing wired thermostats for a central boiler stay in place; the Ildra controls the radiators only.

## Works with
Ildra Valve radiator heads, the Fennick Hub (for routines), and the Tendril app.
""")


def prod_quenby(f):
    return _doc("prod-quenby", "Quenby Lamp", "product", "Quenby Lamp", "2024-03-05", f"""
# Quenby Lamp

A table lamp with a linen shade and a light engine that goes from candle-warm to daylight-cool.

- Brightness: {f("qb.lumens")} at full power
- Colour temperature: 2200 K to 6500 K
- Scenes: {f("qb.scenes")} built in, more in the app
- LED lifespan: {f("qb.lifespan")}
- Price: {f("qb.price")}
- Warranty: {f("qb.warranty")}
- Part number: QBL-0650

The Quenby Lamp works without a hub over Bluetooth, or joins the Fennick Hub for schedules.

## Scenes and schedules
Scenes combine a brightness and a colour temperature, for example Reading, Dinner or Night light. A
sunrise scene brightens the lamp slowly before your alarm. Touch the base once to switch on or off, twice
to step through your three favourite scenes, and hold it to dim.

## Materials
The shade is washed linen on a powder-coated steel frame; the base is cast aluminium with a felt underside.
Replacement shades in three colours can be ordered as spare parts.
""")


def prod_mossgrove(f):
    return _doc("prod-mossgrove", "Mossgrove Sensor for plants", "product", "Mossgrove Sensor", "2024-04-14", f"""
# Mossgrove Sensor for plants

Push the Mossgrove Sensor into the soil of a pot or a bed and the Tendril app tells you when to water,
feed or move the plant.

## Measures
Soil moisture, soil temperature, light level and fertiliser level (conductivity).

## Specifications
- Battery: one {f("ms.cell")} coin cell, about {f("ms.battery")} per cell
- Radio range to the Fennick Hub: up to {f("ms.range")} in open air
- Protection: {f("ms.ip")}, can stay outdoors all year
- Length: 21 cm
- Part number: MGS-0201

## Price
{f("ms.price")} per sensor. Multi-packs are sold in the web shop during the spring season only.

A Fennick Hub is required; the sensor cannot connect to Wi-Fi on its own.

## Plant profiles
Choose the plant in the app (more than 400 species are listed) and the sensor's readings are compared with
that plant's needs. Notifications tell you to water, to feed, or to move the pot to a brighter spot. Profiles
can be changed at any time without resetting the sensor.

## Outdoors
In winter, leave the sensor in the bed: frost alerts warn you when the soil temperature falls below zero.
Clean the metal strips with a soft brush once a season for accurate moisture readings.
""")


def prod_fennick(f):
    return _doc("prod-fennick", "Fennick Hub", "product", "Fennick Hub", "2024-10-08", f"""
# Fennick Hub

The Fennick Hub is the centre of an Orrinvale home: it links sensors, lamps, locks and thermostats, runs
routines locally and keeps working when the internet is down.

## Overview
Connect it to your router with the supplied cable or over Wi-Fi. Routines run on the hub itself, so a
light still switches on when a door opens even if the cloud is unreachable.

## Specifications
- Radios: Zigbee 3.0, Thread and Bluetooth LE
- Capacity: up to {f("fh.devices")}
- Backup battery: keeps the hub running for {f("fh.backup")} during a power cut
- Ports: Ethernet, USB-C power
- Part number: FNH-1000

## Price and warranty
The Fennick Hub costs {f("fh.price")} and comes with a {f("fh.warranty")} warranty.

## Routines
Routines combine a trigger (a time, sunrise, a door opening, a sensor value) with actions on any device.
They run on the hub, not in the cloud, so they are fast and keep working offline. Up to 200 routines can
be stored.

## Status light
- White: working normally
- Blinking blue: waiting for setup
- Purple: {f("fh.purple")} in progress, do not unplug
- Red: no internet connection
""")


def prod_pellwick(f):
    return _doc("prod-pellwick", "Pellwick Scale", "product", "Pellwick Scale", "2023-09-01", f"""
# Pellwick Scale

A flat glass kitchen scale that sends weights to recipes in the Tendril app.

- Maximum load: {f("pw.maxload")}
- Precision: {f("pw.precision")}
- Battery: built-in, rechargeable over USB-C, about {f("pw.charge")} per charge
- Price: {f("pw.price")}
- Warranty: 24 months
- Part number: PWS-0750

If the display shows "Lo", the {f("pw.lo")}; charge the scale for two hours.

## Recipe mode
Pick a recipe in the app and the scale steps through its ingredients: pour until the bar is full, tap to
confirm, and the next ingredient appears. Quantities scale automatically when you change the number of
servings. Tare happens by itself between ingredients.

## Units
Grams, ounces, and millilitres for water and milk. The last unit used is remembered.
""")


def prod_vessimo(f):
    if not f.v2:
        return []  # the doorbell is new in v2
    return _doc("prod-vessimo", "Vessimo Doorbell", "product", "Vessimo Doorbell", "2025-07-01", f"""
# Vessimo Doorbell

New in 2025: a battery video doorbell that shows who is at the door on your phone.

## Specifications
- Video: 1536 × 1536 head-to-toe view
- Battery: rechargeable, about {f("vd.battery")} per charge
- Indoor chime: {f("vd.chime")}, sold separately
- Weather protection: IP65
- Part number: VSD-1536

## Price and warranty
The Vessimo Doorbell costs {f("vd.price")} and is covered by a 24 months warranty.
Clips are kept according to your Loft plan, like those of other cameras.
""")


# ---------------------------------------------------------------- troubleshooting guides

def ts_pages(f):
    d = "2024-08-01"
    pages = [
        _doc("ts-k3-e42", "Brumaline K3 shows error E42", "troubleshooting", "Brumaline K3", d, f"""
# Brumaline K3 shows error E42

**Meaning:** error E42 means {f("k3.e42")} on the heating floor.

1. Unplug the base and let the kettle cool.
2. Fill with a descaling solution (for example the Brumaline Descale Pack) and leave it for 30 minutes.
3. Rinse three times and boil fresh water once before use.

If E42 comes back within a week, contact support: the temperature probe may need replacing.
"""),
        _doc("ts-k3-reset", "Resetting a Brumaline K3", "troubleshooting", "Brumaline K3", d, f"""
# Resetting a Brumaline K3

A reset removes the Wi-Fi settings and the custom temperatures, but not the firmware.

Place the kettle on its base, then press and hold the temperature dial for {f("k3.reset")} until the
light ring flashes white. Set the kettle up again in the Tendril app.
"""),
        _doc("ts-spindrel-f3", "Spindrel Air 400 error F3 and other codes", "troubleshooting", "Spindrel Air 400", d, f"""
# Spindrel Air 400 error codes

| Code | Meaning | What to do |
|---|---|---|
| F1 | filter door open | close the rear door until it clicks |
| F3 | {f("sp.f3")} | switch off, unplug, remove the filter and clear the fan opening |
| F5 | air-quality sensor dirty | clean the sensor grille with a dry cotton swab |

A red ring around the display means the filter has reached the end of its life. Fit a new filter and hold
the filter button for three seconds to restart the counter.
"""),
        _doc("ts-spindrel-noise", "Spindrel Air 400 is louder than usual", "troubleshooting", "Spindrel Air 400", d, """
# Spindrel Air 400 is louder than usual

Most often the purifier is simply working hard: cooking, candles or a humidifier nearby raise the dust
reading and the fan speeds up. Check the air-quality number in the app.

If the noise is a rattle rather than rushing air, the filter may be seated crookedly. Take it out, check
that the plastic wrapping is removed, and refit it with the pull tab facing you.
"""),
        _doc("ts-talloway-offline", "Talloway Cam is offline", "troubleshooting", "Talloway Cam", d, f"""
# Talloway Cam is offline

1. Look at the light on the front. Blinking blue means the camera is waiting for Wi-Fi.
2. Move the camera closer to the router for a test; the camera only supports 2.4 GHz networks.
3. If it still does not connect, push a paper clip into the reset hole on the back for {f("tc.resetpin")}.
   The camera restarts and can be added again in the Tendril app.

Recordings on the microSD card are kept during a reset.
"""),
        _doc("ts-talloway-night", "Talloway Cam night image is blurry", "troubleshooting", "Talloway Cam", d, """
# Talloway Cam night image is blurry

Infrared light reflects off windows and glossy surfaces. Do not film through glass, and keep the lens at
least 30 cm from walls or shelves. Wipe the lens with a dry microfibre cloth.
"""),
        _doc("ts-corvath-battery", "Corvath Lock battery warnings", "troubleshooting", "Corvath Lock", d, f"""
# Corvath Lock battery warnings

When the batteries run low, the status light blinks amber {f("cl.lowbatt")} every time the lock turns, and
the app sends a notification. Replace all four batteries at once with new alkaline AA cells; do not mix
old and new cells.

**Batteries completely flat and you are outside?** Hold a {f("cl.emergency")} against the two contacts
under the outside handle and enter your code or use your phone. The battery only powers the lock while
you hold it there.
"""),
        _doc("ts-corvath-jam", "Corvath Lock does not turn fully", "troubleshooting", "Corvath Lock", d, """
# Corvath Lock does not turn fully

If the bolt stops halfway, the door is usually not pressed fully into the frame. Close the door firmly and
try again. Then run the door calibration in the app under Lock settings > Calibrate. If it keeps happening,
the strike plate of the door frame may need adjusting by a locksmith.
"""),
        _doc("ts-ildra-valves", "Ildra Valve does not heat the radiator", "troubleshooting", "Ildra Thermostat", d, f"""
# Ildra Valve does not heat the radiator

After fitting a new Ildra Valve, the valve calibrates itself by driving the pin in and out. This takes
about {f("il.calibration")}; the radiator may stay cold until it finishes.

If the radiator is still cold after calibration:
- check that the valve's adapter ring matches your radiator brand;
- make sure the thermostat is not in eco mode;
- bleed the radiator if it gurgles.
"""),
        _doc("ts-quenby-flicker", "Quenby Lamp flickers or will not pair", "troubleshooting", "Quenby Lamp", d, f"""
# Quenby Lamp flickers or will not pair

**Flicker:** the Quenby Lamp must be connected to a normal socket, not to a dimmer. A wall dimmer makes the
lamp's driver flicker and shortens the LED life.

**Will not pair:** reset the lamp by switching it off and on {f("qb.reset")} in a row, leaving about one
second between switches. The lamp blinks twice when the reset worked.
"""),
        _doc("ts-mossgrove-readings", "Mossgrove Sensor shows no readings", "troubleshooting", "Mossgrove Sensor", d, """
# Mossgrove Sensor shows no readings

Two dashes instead of a moisture value mean the metal strips are not in contact with soil. Push the sensor
in until the line on the body is level with the surface. If all values are missing, open the cap, check
that the coin cell is inserted with the plus side up and that the hub is within range.
"""),
        _doc("ts-fennick-reset", "Factory reset of the Fennick Hub", "troubleshooting", "Fennick Hub", d, f"""
# Factory reset of the Fennick Hub

A factory reset removes every paired device and routine. Try a restart first (unplug for ten seconds).

To reset: hold the button on the back for {f("fh.reset")} until the light blinks blue, then release.
Devices must be paired again afterwards; Mossgrove Sensors need their cap button pressed once.
"""),
        _doc("ts-pellwick-weights", "Pellwick Scale shows wrong weights", "troubleshooting", "Pellwick Scale", d, """
# Pellwick Scale shows wrong weights

Put the scale on a hard, level surface; soft mats and wooden boards that flex give wrong values. Tap the
glass once to zero it before weighing. For a calibration, hold the unit button until CAL appears and place
a known weight when asked.
"""),
        _doc("ts-wifi-setup", "Devices fail during Wi-Fi setup", "troubleshooting", "general", d, """
# Devices fail during Wi-Fi setup

Orrinvale devices that join Wi-Fi directly (the Brumaline K3, the Talloway Cam and the Spindrel Air 400)
only support 2.4 GHz networks. If your router combines 2.4 and 5 GHz under one name, temporarily turn off
5 GHz during setup, or create a guest network for smart devices. Passwords with emoji are not supported.
"""),
        _doc("ts-app-login", "Cannot sign in to the Tendril app", "troubleshooting", "general", d, """
# Cannot sign in to the Tendril app

Check the email address for typing errors and use Forgot password to get a new link; links expire after
one hour. Accounts are locked for fifteen minutes after five failed attempts. If you signed up with a
social login, use that button instead of a password.
"""),
    ]
    return pages


# ---------------------------------------------------------------- release notes

def rn_pages(f):
    pages = [
        _doc("rn-k3-3-1", "Brumaline K3 firmware 3.1.0", "release_notes", "Brumaline K3", "2023-10-12", """
# Brumaline K3 firmware 3.1.0

- Adds a morning schedule: the kettle can heat at a set time on chosen weekdays.
- The light ring is dimmer at night.
- Fixes a rare case where the app showed the wrong water temperature.
"""),
        _doc("rn-k3-3-2", "Brumaline K3 firmware 3.2.1", "release_notes", "Brumaline K3", "2024-05-02", """
# Brumaline K3 firmware 3.2.1

- Keep-warm can now be started from the app.
- Faster reconnection after a router restart.
"""),
        _doc("rn-spindrel-2-4", "Spindrel Air 400 firmware 2.4.0", "release_notes", "Spindrel Air 400", "2024-09-18", f"""
# Spindrel Air 400 firmware {f("sp.nightmode_fw")}

- New night mode: the display switches off and the fan is limited to its quietest speed.
- Filter life is now estimated from actual use rather than time.
"""),
        _doc("rn-talloway-1-9", "Talloway Cam firmware 1.9.4", "release_notes", "Talloway Cam", "2024-02-11", """
# Talloway Cam firmware 1.9.4

- Person detection can be limited to a drawn zone.
- Improved infrared exposure in small rooms.
- Security fixes.
"""),
        _doc("rn-corvath-4-2", "Corvath Lock firmware 4.2.0", "release_notes", "Corvath Lock", "2024-06-30", """
# Corvath Lock firmware 4.2.0

- Time-limited guest codes can repeat weekly.
- The auto-lock delay can be set from 10 seconds to 10 minutes.
- Lower power use while idle.
"""),
        _doc("rn-ildra-2-0", "Ildra Thermostat firmware 2.0", "release_notes", "Ildra Thermostat", "2023-11-20", """
# Ildra Thermostat firmware 2.0

- Open-window detection: valves close when the temperature drops suddenly.
- Holiday mode with a return date.
"""),
        _doc("rn-quenby-1-3", "Quenby Lamp firmware 1.3", "release_notes", "Quenby Lamp", "2024-03-05", """
# Quenby Lamp firmware 1.3

- Sunrise scene that brightens over 20 minutes.
- Smoother fading between colour temperatures.
"""),
        _doc("rn-mossgrove-1-8", "Mossgrove Sensor firmware 1.8", "release_notes", "Mossgrove Sensor", "2024-04-14", """
# Mossgrove Sensor firmware 1.8

- Frost alerts for outdoor beds.
- Readings are sent every 15 minutes instead of every 10 to save battery.
"""),
        _doc("rn-fennick-5-0", "Fennick Hub firmware 5.0.2", "release_notes", "Fennick Hub", "2024-10-08", f"""
# Fennick Hub firmware {f("fh.thread_fw")}

- Thread support: the hub now acts as a Thread border router.
- Routines can use sunrise and sunset with an offset.
- Fixes pairing of Quenby Lamps that were previously used over Bluetooth.
"""),
        _doc("rn-pellwick-1-1", "Pellwick Scale firmware 1.1", "release_notes", "Pellwick Scale", "2023-09-01", """
# Pellwick Scale firmware 1.1

- Recipe mode: the scale steps through ingredients from the app.
- The display sleeps after two minutes without use.
"""),
    ]
    if f.v2:
        pages += [
            _doc("rn-k3-3-3", "Brumaline K3 firmware 3.3.0", "release_notes", "Brumaline K3", "2025-07-01", """
# Brumaline K3 firmware 3.3.0

- Quieter boiling thanks to a new heating curve.
- The custom temperature can be set in steps of 1 °C.
"""),
            _doc("rn-mossgrove-1-9", "Mossgrove Sensor firmware 1.9", "release_notes", "Mossgrove Sensor", "2025-07-01", """
# Mossgrove Sensor firmware 1.9

- A new radio power-saving mode extends the life of the coin cell.
- Light readings are averaged over the last hour.
"""),
        ]
    return pages


# ---------------------------------------------------------------- setup guides (context and distractors)

def setup_pages(f):
    d = "2024-07-15"
    steps = {
        "k3": ("Brumaline K3", "Fill the kettle to the MAX line, boil once and pour the water away. Then open the "
               "Tendril app, tap Add device and hold the kettle near your phone so Bluetooth can find it."),
        "spindrel": ("Spindrel Air 400", "Remove the plastic wrapping from the filter, refit it and close the "
                     "rear door. Plug in, press the power button and follow the Add device steps in the app."),
        "talloway": ("Talloway Cam", "Insert a microSD card if you want local recording, plug in the adapter and "
                     "scan the QR code that the app shows with the camera lens."),
        "corvath": ("Corvath Lock", "Remove the inside thumb-turn of your lock, fit the Corvath adapter plate and "
                    "slide the lock on until it clicks. Insert the batteries and run door calibration."),
        "ildra": ("Ildra Thermostat", "Choose a spot away from radiators and direct sun. Pair the thermostat "
                  "first, then add each Ildra Valve one room at a time."),
        "quenby": ("Quenby Lamp", "Screw the shade onto the base, plug in, and turn the lamp on. It appears in "
                   "the app within a minute when Bluetooth is on."),
        "mossgrove": ("Mossgrove Sensor", "Pull the tab out of the battery cap, press the cap button once, and "
                      "push the sensor into the soil. The hub finds it automatically."),
        "fennick": ("Fennick Hub", "Connect the hub to power and, ideally, to the router with the cable. Wait "
                    "for the blinking blue light, then add the hub first in the app."),
        "pellwick": ("Pellwick Scale", "Charge the scale fully before first use, then open the app and choose "
                     "Add device > Kitchen."),
    }
    pages = []
    for slug, (name, text) in steps.items():
        pages.append(_doc(f"setup-{slug}", f"Setting up the {name}", "guide", name, d, f"""
# Setting up the {name}

Before you start, install the Tendril app and create an account.

{text}

When setup is done, the app offers a short tour of the {name}'s features. You can skip it and find it later
under Help.
"""))
    return pages


# ---------------------------------------------------------------- accessories

def accessory_pages(f):
    d = "2024-05-20"
    return [
        _doc("acc-hf9", "HF-9 replacement filter", "accessory", "Spindrel Air 400", d, f"""
# HF-9 replacement filter

Three-stage replacement filter for the Spindrel Air 400 (pre-filter, particle layer, carbon layer).

- Price: {f("acc.hf9.price")}
- Part number: HF9-0400
- Fits: Spindrel Air 400 only
"""),
        _doc("acc-descale", "Brumaline Descale Pack", "accessory", "Brumaline K3", d, f"""
# Brumaline Descale Pack

Citric-acid descaler in six single-use sachets, safe for the K3's steel floor.

- Price: {f("acc.descale.price")}
- Part number: BDP-0006
"""),
        _doc("acc-valve", "Ildra Valve radiator head", "accessory", "Ildra Thermostat", d, f"""
# Ildra Valve radiator head

Battery-powered radiator head controlled by the Ildra Thermostat. Adapter rings for the common radiator
brands are included.

- Price: {f("acc.valve.price")} per valve
- Batteries: two AA, about one heating season
- Part number: ILV-3302
"""),
        _doc("acc-keypad", "Corvath Keypad", "accessory", "Corvath Lock", d, f"""
# Corvath Keypad

Weatherproof outdoor keypad for the Corvath Lock; enter a code to unlock without a phone.

- Price: {f("acc.keypad.price")}
- Part number: CVK-2210
- Power: one CR123A battery
"""),
        _doc("acc-mount", "Talloway Tilt Mount", "accessory", "Talloway Cam", d, f"""
# Talloway Tilt Mount

Wall and ceiling mount for the Talloway Cam with a 90 degree tilt joint.

- Price: {f("acc.mount.price")}
- Part number: TTM-0090
"""),
        _doc("acc-probe", "Mossgrove probe extender", "accessory", "Mossgrove Sensor", d, f"""
# Mossgrove probe extender

A cable that lets the Mossgrove Sensor's electronics sit above deep planters while the probe stays in
the soil. Cable length: {f("acc.probe.length")}. Price: 15 EUR.
"""),
    ]


WRITERS = [
    prod_k3, prod_spindrel, prod_talloway, prod_corvath, prod_ildra, prod_quenby, prod_mossgrove,
    prod_fennick, prod_pellwick, prod_vessimo, ts_pages, rn_pages, setup_pages, accessory_pages,
]
