"""Smart-home building blocks: thermostats, sensors, smart locks, filters, batteries."""

from __future__ import annotations

import random

from handshake.demo.blueprints import (
    CategoryBlueprint,
    Kind,
    Spec,
    colours,
    fr_number,
    join_en,
    join_fr,
    packs,
    pick_pair,
    sample_pairs,
)

HEATING = (
    ("gas boilers", "chaudières gaz"),
    ("oil boilers", "chaudières fioul"),
    ("heat pumps", "pompes à chaleur"),
    ("electric radiators (pilot wire)", "radiateurs électriques (fil pilote)"),
    ("underfloor heating", "plancher chauffant"),
)
RADIO = (
    ("Wi-Fi 2.4 GHz", "Wi-Fi 2,4 GHz"),
    ("Zigbee 3.0", "Zigbee 3.0"),
    ("Thread / Matter", "Thread / Matter"),
    ("Z-Wave Plus", "Z-Wave Plus"),
)
DISPLAYS = (
    ("an E-ink display", "un écran à encre électronique"),
    ("a colour LCD touch screen", "un écran tactile LCD couleur"),
    ("a dimmable LED ring", "un anneau lumineux LED à intensité réglable"),
)


def _thermostat(rng: random.Random) -> Spec:
    heating = sample_pairs(rng, HEATING, 2, 4)
    radio = pick_pair(rng, RADIO[:3])
    power = pick_pair(
        rng, (("2 × AA batteries", "deux piles AA"), ("230 V mains", "le secteur 230 V"))
    )
    display = pick_pair(rng, DISPLAYS)
    size = (
        f"{rng.choice((84, 86, 88, 92))} × {rng.choice((84, 86, 88))} × {rng.choice((18, 21, 24))}"
    )
    opentherm = rng.random() < 0.5
    return Spec(
        attributes={
            "heating_compatibility": [h[0] for h in heating],
            "connectivity": radio[0],
            "power_supply": power[0],
            "opentherm": opentherm,
            "temperature_range_c": "5–30",
            "dimensions_mm": size,
        },
        en=[
            f"Compatible with {join_en([h[0] for h in heating])}.",
            f"Connects over {radio[0]}, powered by {power[0]}, with {display[0]}.",
            "OpenTherm modulation saves up to 6% more." if opentherm else "Relay on/off control.",
            f"Dimensions: {size} mm.",
        ],
        fr=[
            f"Compatible avec les {join_fr([h[1] for h in heating])}.",
            f"Connexion {radio[1]}, alimentation par {power[1]}, avec {display[1]}.",
            "La modulation OpenTherm économise jusqu'à 6 % de plus."
            if opentherm
            else "Commande par relais marche/arrêt.",
            f"Dimensions : {size} mm.",
        ],
    )


def _radiator_valve(rng: random.Random) -> Spec:
    radio = pick_pair(rng, RADIO[1:])
    adapters = rng.choice((3, 5, 7))
    months = rng.choice((12, 18, 24))
    return Spec(
        attributes={
            "valve_thread": "M30 × 1.5",
            "adapters_included": adapters,
            "connectivity": radio[0],
            "battery": "2 × AA",
            "battery_life_months": months,
        },
        en=[
            f"Fits M30 × 1.5 valves; {adapters} adapters included for Danfoss, Comap and Oventrop.",
            f"{radio[0]} radio, about {months} months on two AA batteries.",
            "Detects an open window and stops heating the room.",
        ],
        fr=[
            f"Se monte sur les robinets M30 × 1,5 ; {adapters} adaptateurs fournis "
            "(Danfoss, Comap, Oventrop).",
            f"Radio {radio[1]}, environ {months} mois d'autonomie avec deux piles AA.",
            "Détecte une fenêtre ouverte et coupe le chauffage de la pièce.",
        ],
    )


THERMOSTATS = CategoryBlueprint(
    slug="smart-home/thermostats",
    name_en="Thermostats",
    name_fr="Thermostats",
    image="thermostats",
    brands=("Thermia", "Calora", "Nordvent", "Domotix"),
    kinds=(
        Kind(
            code="TH",
            noun_en="Smart Thermostat",
            noun_fr="Thermostat connecté",
            series=("Ambi 3", "Clima One", "Nova Pro", "Eco 2", "Lumo S"),
            price_range=(7900, 24900),
            axis="colour",
            choices=colours("WHT", "BLK", "ANT", "SLV"),
            intro_en="The {brand} {series} learns your schedule and heats only when you are home.",
            intro_fr="Le {brand} {series} apprend vos habitudes et ne chauffe que lorsque vous "
            "êtes là.",
            spec=_thermostat,
        ),
        Kind(
            code="RV",
            noun_en="Smart Radiator Valve",
            noun_fr="Tête thermostatique connectée",
            series=("Ambi V", "Clima V2", "Flow", "Eco V"),
            price_range=(3900, 7900),
            axis="pack",
            choices=packs(1, 2, 4),
            intro_en="Room-by-room heating control with the {brand} {series}.",
            intro_fr="Pilotez le chauffage pièce par pièce avec la {brand} {series}.",
            spec=_radiator_valve,
        ),
    ),
)

BATTERY_SENSOR = (("CR2032", "CR2032"), ("CR2450", "CR2450"), ("2 × AAA", "deux piles AAA"))


def _contact_sensor(rng: random.Random) -> Spec:
    radio = pick_pair(rng, RADIO)
    battery = pick_pair(rng, BATTERY_SENSOR[:2])
    years = rng.choice((2, 3, 5))
    return Spec(
        attributes={"connectivity": radio[0], "battery": battery[0], "battery_life_years": years,
                    "dimensions_mm": f"{rng.choice((41, 45, 48))} × 22 × 11"},
        en=[f"Reports doors and windows opening within a second over {radio[0]}.",
            f"Runs up to {years} years on a {battery[0]} cell."],
        fr=[f"Signale l'ouverture des portes et fenêtres en moins d'une seconde via {radio[1]}.",
            f"Jusqu'à {years} ans d'autonomie avec une pile {battery[1]}."],
    )  # fmt: skip


def _motion_sensor(rng: random.Random) -> Spec:
    radio = pick_pair(rng, RADIO)
    angle = rng.choice((110, 120, 140, 170))
    reach = rng.choice((5, 7, 9, 12))
    return Spec(
        attributes={"connectivity": radio[0], "detection_angle_deg": angle,
                    "detection_range_m": reach, "battery": "CR2450", "lux_sensor": True},
        en=[f"Sees movement up to {reach} m away over a {angle}° angle.",
            "A built-in light sensor lets lamps switch on only after dark."],
        fr=[f"Détecte les mouvements jusqu'à {reach} m sur un angle de {angle}°.",
            "Son capteur de luminosité n'allume les lampes qu'à la tombée de la nuit."],
    )  # fmt: skip


def _climate_sensor(rng: random.Random) -> Spec:
    radio = pick_pair(rng, RADIO)
    accuracy = rng.choice((0.1, 0.2, 0.3))
    return Spec(
        attributes={"connectivity": radio[0], "temperature_accuracy_c": accuracy,
                    "humidity_accuracy_pct": 2, "battery": "2 × AAA",
                    "display": rng.random() < 0.5},
        en=[f"Temperature to ±{accuracy} °C and humidity to ±2%, logged every minute.",
            "Warns you before damp and mould set in."],
        fr=[f"Température à ±{fr_number(accuracy)} °C et humidité à ±2 %, relevées chaque minute.",
            "Vous prévient avant que l'humidité et les moisissures ne s'installent."],
    )  # fmt: skip


def _smoke_detector(rng: random.Random) -> Spec:
    years = rng.choice((5, 10))
    return Spec(
        attributes={"standard": "EN 14604", "battery_life_years": years, "siren_db": 85,
                    "interconnectable": True, "connectivity": pick_pair(rng, RADIO)[0]},
        en=[f"EN 14604 certified, 85 dB siren, sealed battery lasting {years} years.",
            "Alerts your phone even when you are away."],
        fr=[f"Certifié EN 14604, sirène de 85 dB, pile scellée d'une durée de {years} ans.",
            "Alerte votre téléphone même quand vous êtes absent."],
    )  # fmt: skip


def _leak_detector(rng: random.Random) -> Spec:
    probe = rng.choice((1, 2))
    return Spec(
        attributes={"probe_cable_m": probe, "ip_rating": "IP67", "siren_db": 80,
                    "connectivity": pick_pair(rng, RADIO)[0], "battery": "2 × AAA"},
        en=[f"IP67 sensor with a {probe} m probe for under sinks and washing machines."],
        fr=[f"Capteur IP67 avec sonde de {probe} m, idéal sous l'évier ou le lave-linge."],
    )  # fmt: skip


SENSOR_KINDS = (
    ("DS", "Door & Window Sensor", "Détecteur d'ouverture", _contact_sensor, (1900, 3900)),
    ("MS", "Motion Sensor", "Détecteur de mouvement", _motion_sensor, (2400, 4900)),
    ("CS", "Temperature & Humidity Sensor", "Capteur de température et d'humidité",
     _climate_sensor, (1900, 4500)),
    ("SD", "Smart Smoke Alarm", "Détecteur de fumée connecté", _smoke_detector, (3900, 8900)),
    ("WL", "Water Leak Sensor", "Détecteur de fuite d'eau", _leak_detector, (2500, 4900)),
)  # fmt: skip

SENSORS = CategoryBlueprint(
    slug="smart-home/sensors",
    name_en="Sensors",
    name_fr="Capteurs",
    image="sensors",
    brands=("Senzo", "Vigil", "Domotix", "Aerlo"),
    kinds=tuple(
        Kind(
            code=code,
            noun_en=noun_en,
            noun_fr=noun_fr,
            series=("Mini", "Plus", "S2", "Edge"),
            price_range=prices,
            axis="pack",
            choices=packs(1, 2, 3, 4),
            intro_en="The {brand} {series} keeps an eye on your home, day and night.",
            intro_fr="Le {brand} {series} veille sur votre maison, de jour comme de nuit.",
            spec=maker,
        )
        for code, noun_en, noun_fr, maker, prices in SENSOR_KINDS
    ),
)

UNLOCK = (
    ("smartphone app", "application mobile"),
    ("PIN keypad", "clavier à code"),
    ("fingerprint", "empreinte digitale"),
    ("NFC badge", "badge NFC"),
    ("voice assistant", "assistant vocal"),
)


def _smart_lock(rng: random.Random) -> Spec:
    ways = sample_pairs(rng, UNLOCK, 2, 4)
    low, high = rng.choice(((30, 80), (35, 100), (40, 120)))
    return Spec(
        attributes={"unlock_methods": [w[0] for w in ways],
                    "cylinder": "European profile (EN 1303)",
                    "door_thickness_mm": f"{low}–{high}", "battery": "4 × AA",
                    "auto_lock": True, "connectivity": pick_pair(rng, RADIO)[0]},
        en=[f"Opens by {join_en([w[0] for w in ways])}.",
            f"Fits European profile cylinders on doors {low}–{high} mm thick, no drilling.",
            "Locks itself when the door closes; a log shows who came in and when."],
        fr=[f"S'ouvre par {join_fr([w[1] for w in ways])}.",
            f"S'adapte aux cylindres européens, portes de {low} à {high} mm, sans perçage.",
            "Se verrouille à la fermeture de la porte ; l'historique indique qui est entré "
            "et à quelle heure."],
    )  # fmt: skip


def _padlock(rng: random.Random) -> Spec:
    shackle = rng.choice((8, 9, 10))
    return Spec(
        attributes={"shackle_mm": shackle, "ip_rating": "IP65", "battery": "USB-C rechargeable",
                    "battery_life_months": 12, "unlock_methods": ["smartphone app", "fingerprint"]},
        en=[f"Hardened {shackle} mm steel shackle, IP65 weatherproof.",
            "A USB-C charge lasts about a year."],
        fr=[f"Anse en acier trempé de {shackle} mm, étanche IP65.",
            "Une charge USB-C dure environ un an."],
    )  # fmt: skip


LOCKS = CategoryBlueprint(
    slug="smart-home/locks",
    name_en="Smart locks",
    name_fr="Serrures connectées",
    image="locks",
    brands=("Verrou", "Lockwell", "Clavio"),
    kinds=(
        Kind("SL", "Smart Lock", "Serrure connectée", ("Home", "Pro", "Ultra", "Key 2", "Access"),
             (14900, 34900), "colour", colours("SLV", "BLK", "BRS", "WHT"),
             "The {brand} {series} turns your phone into your house key.",
             "La {brand} {series} transforme votre téléphone en clé de la maison.", _smart_lock),
        Kind("PL", "Smart Padlock", "Cadenas connecté", ("Go", "Trek", "Shield", "Box"),
             (3900, 8900), "colour", colours("BLK", "SLV", "RED"),
             "The {brand} {series} opens without a key or a code to remember.",
             "Le {brand} {series} s'ouvre sans clé ni code à retenir.", _padlock),
    ),
)  # fmt: skip


def _air_filter(rng: random.Random) -> Spec:
    grade = rng.choice(("H13", "H14"))
    months = rng.choice((6, 9, 12))
    width = rng.choice((220, 260, 300, 340))
    return Spec(
        attributes={"filter_class": grade, "lifetime_months": months, "activated_carbon": True,
                    "dimensions_mm": f"{width} × {width} × 50", "retains_pct": 99.95},
        en=[f"True {grade} HEPA with an activated carbon layer: traps 99.95% of fine particles.",
            f"Replace every {months} months; {width} × {width} × 50 mm."],
        fr=[f"Véritable HEPA {grade} avec couche de charbon actif : retient 99,95 % des "
            "particules fines.",
            f"À remplacer tous les {months} mois ; {width} × {width} × 50 mm."],
    )  # fmt: skip


def _water_filter(rng: random.Random) -> Spec:
    litres = rng.choice((100, 150, 200))
    return Spec(
        attributes={"capacity_litres": litres, "lifetime_weeks": 4,
                    "reduces": ["limescale", "chlorine", "lead"], "material": "BPA-free"},
        en=[f"Filters {litres} litres, about four weeks: less limescale, chlorine and lead."],
        fr=[f"Filtre {litres} litres, soit environ quatre semaines : moins de calcaire, de "
            "chlore et de plomb."],
    )  # fmt: skip


def _hvac_filter(rng: random.Random) -> Spec:
    grade = rng.choice(("G4", "M5", "F7"))
    return Spec(
        attributes={"filter_class": grade, "standard": "ISO 16890", "lifetime_months": 12,
                    "fits": "double-flow ventilation (VMC)"},
        en=[f"{grade} class (ISO 16890) filters for double-flow ventilation units, one year each."],
        fr=[f"Filtres classe {grade} (ISO 16890) pour VMC double flux, un an chacun."],
    )  # fmt: skip


FILTERS = CategoryBlueprint(
    slug="smart-home/filters",
    name_en="Filters",
    name_fr="Filtres",
    image="filters",
    brands=("Purair", "Aquaclair", "Filtrex"),
    kinds=(
        Kind("AF", "HEPA Air Purifier Filter", "Filtre HEPA pour purificateur d'air",
             ("AP-200", "AP-350", "AP-500", "Breeze"), (2900, 6900), "pack", packs(1, 2, 3),
             "Genuine replacement filter for the {brand} {series} purifier.",
             "Filtre de rechange d'origine pour le purificateur {brand} {series}.", _air_filter),
        Kind("WF", "Water Filter Cartridge", "Cartouche filtrante pour l'eau",
             ("Pure", "Max+", "Crystal"), (900, 2400), "pack", packs(3, 6, 12),
             "Cartridges for {brand} {series} jugs and fridge dispensers.",
             "Cartouches pour carafes et distributeurs {brand} {series}.", _water_filter),
        Kind("VF", "Ventilation Filter Set", "Jeu de filtres pour VMC",
             ("Duo", "Flux 350", "Air 180"), (1900, 4900), "pack", packs(1, 2),
             "A fresh set of filters for your {brand} {series} ventilation unit.",
             "Un jeu de filtres neufs pour votre VMC {brand} {series}.", _hvac_filter),
    ),
)  # fmt: skip

CELLS = (
    ("AA", "LR6", "alkaline", 1.5, 2900, "Long Life"),
    ("AAA", "LR03", "alkaline", 1.5, 1250, "Long Life"),
    ("AA", "HR6", "NiMH rechargeable", 1.2, 2500, "Recharge"),
    ("AAA", "HR03", "NiMH rechargeable", 1.2, 950, "Recharge"),
    ("AA", "FR6", "lithium", 1.5, 3500, "Lithium"),
    ("CR2032", "CR2032", "lithium coin", 3.0, 235, "Coin"),
    ("CR2450", "CR2450", "lithium coin", 3.0, 620, "Coin"),
    ("9V", "6LR61", "alkaline", 9.0, 550, "Long Life"),
)
CHEMISTRY_FR = {
    "alkaline": "alcalines",
    "NiMH rechargeable": "rechargeables NiMH",
    "lithium": "au lithium",
    "lithium coin": "bouton au lithium",
}


def _battery(rng: random.Random) -> Spec:
    size, iec, chemistry, volts, mah, _ = CELLS[rng.randrange(len(CELLS))]
    shelf = 3 if "NiMH" in chemistry else rng.choice((7, 10, 20))
    name = size if size == iec else f"{size} ({iec})"
    return Spec(
        attributes={"size": size, "iec": iec, "chemistry": chemistry, "voltage_v": volts,
                    "capacity_mah": mah, "shelf_life_years": shelf},
        en=[f"{name} {chemistry} cells, {volts:g} V, {mah} mAh.",
            "Ideal for sensors, locks and remote controls."],
        fr=[f"Piles {CHEMISTRY_FR[chemistry]} {name}, {fr_number(volts)} V, {mah} mAh.",
            "Idéales pour capteurs, serrures et télécommandes."],
        model=size,
    )  # fmt: skip


BATTERIES = CategoryBlueprint(
    slug="smart-home/batteries",
    name_en="Batteries",
    name_fr="Piles et batteries",
    image="batteries",
    brands=("Voltix", "Energo", "Cellia", "Ampero"),
    kinds=(
        Kind("BT", "Battery Pack", "Lot de piles",
             ("Power", "Max", "Eco", "Pro", "Home", "Industrial", "Smart", "Reserve"),
             (399, 1999), "pack", packs(4, 8, 12, 24),
             "{brand} {series}: dependable power for the devices that keep your home running.",
             "{brand} {series} : une énergie fiable pour les appareils de la maison.", _battery),
    ),
)  # fmt: skip

SMART_HOME = (THERMOSTATS, SENSORS, LOCKS, FILTERS, BATTERIES)
