"""Building blocks for the rest of the home: lighting, audio, kitchen, home office, outdoor."""

from __future__ import annotations

import random

from handshake.demo.blueprints import (
    CategoryBlueprint,
    Choice,
    Kind,
    Spec,
    colours,
    packs,
    pick_pair,
)

PROTOCOLS = (("Wi-Fi", "Wi-Fi"), ("Zigbee 3.0", "Zigbee 3.0"), ("Bluetooth mesh", "Bluetooth mesh"))


def _bulb(rng: random.Random) -> Spec:
    socket = rng.choice(("E27", "E14", "GU10"))
    watts = {"E27": rng.choice((8, 9, 11)), "E14": rng.choice((5, 6)), "GU10": rng.choice((4, 5))}[
        socket
    ]
    lumens = watts * rng.choice((100, 105, 110))
    protocol = pick_pair(rng, PROTOCOLS)
    return Spec(
        attributes={"socket": socket, "wattage_w": watts, "lumens": lumens,
                    "colour_temperature_k": "2200–6500", "dimmable": True,
                    "energy_class": rng.choice(("E", "F")), "connectivity": protocol[0]},
        en=[f"{socket} socket, {watts} W for {lumens} lm, from warm 2200 K to daylight 6500 K.",
            f"Dims and follows routines over {protocol[0]}, no hub needed."],
        fr=[f"Culot {socket}, {watts} W pour {lumens} lm, du blanc chaud 2200 K à la lumière du "
            "jour 6500 K.",
            f"Variation et scénarios via {protocol[1]}, sans passerelle."],
    )  # fmt: skip


def _lamp(rng: random.Random) -> Spec:
    height = rng.choice((32, 45, 52, 150, 165))
    watts = rng.choice((6, 8, 10, 12))
    material = pick_pair(rng, (("linen shade", "abat-jour en lin"), ("opal glass", "verre opalin"),
                               ("powder-coated steel", "acier thermolaqué")))  # fmt: skip
    return Spec(
        attributes={"height_cm": height, "wattage_w": watts, "material": material[0],
                    "socket": "E27", "dimmable": rng.random() < 0.6, "cable_m": 1.8},
        en=[f"{height} cm tall, {material[0]}, {watts} W LED bulb included."],
        fr=[f"Hauteur {height} cm, {material[1]}, ampoule LED de {watts} W fournie."],
    )  # fmt: skip


def _strip(rng: random.Random) -> Spec:
    leds = rng.choice((30, 60))
    return Spec(
        attributes={"leds_per_metre": leds, "ip_rating": rng.choice(("IP20", "IP65")),
                    "colours": "16 million + tunable white", "power_supply": "24 V adapter"},
        en=[f"{leds} LEDs per metre, 16 million colours, cuttable every 10 cm."],
        fr=[f"{leds} LED par mètre, 16 millions de couleurs, sécable tous les 10 cm."],
    )  # fmt: skip


LIGHTING = CategoryBlueprint(
    slug="lighting",
    name_en="Lighting",
    name_fr="Éclairage",
    image="lighting",
    brands=("Lumio", "Clairvue", "Atelier Lux", "Halo"),
    kinds=(
        Kind("BL", "Smart Bulb", "Ampoule connectée", ("Glow", "Tint", "Pure", "Ambiance"),
             (999, 2999), "pack", packs(1, 2, 4),
             "The {brand} {series} sets the mood from your phone or your voice.",
             "L'ampoule {brand} {series} crée l'ambiance depuis votre téléphone ou à la voix.",
             _bulb),
        Kind("LP", "Lamp", "Lampe", ("Opale", "Arc", "Mira", "Nord"), (3900, 18900), "colour",
             colours("WHT", "BLK", "SGE", "BRS"),
             "The {brand} {series} brings soft, glare-free light to any room.",
             "La lampe {brand} {series} apporte une lumière douce et sans éblouissement.", _lamp),
        Kind("LS", "LED Strip", "Ruban LED",
             ("Flex", "Line", "Neon"), (1999, 5999), "length",
             (Choice("2M", "2 m", 100), Choice("5M", "5 m", 180), Choice("10M", "10 m", 300)),
             "The {brand} {series} strip lights shelves, TV units and stairs.",
             "Le ruban {brand} {series} éclaire étagères, meubles TV et escaliers.", _strip),
    ),
)  # fmt: skip


def _speaker(rng: random.Random) -> Spec:
    hours = rng.choice((10, 12, 16, 20, 24))
    watts = rng.choice((10, 20, 30, 40, 60))
    ip = rng.choice(("IPX4", "IP67"))
    return Spec(
        attributes={"output_w": watts, "battery_life_h": hours, "bluetooth": "5.3",
                    "ip_rating": ip, "multiroom": rng.random() < 0.5},
        en=[f"{watts} W of balanced sound, {hours} hours of battery, {ip} splash-proof."],
        fr=[f"{watts} W de son équilibré, {hours} heures d'autonomie, résistante aux "
            f"éclaboussures ({ip})."],
    )  # fmt: skip


def _headphones(rng: random.Random) -> Spec:
    hours = rng.choice((30, 40, 50, 60))
    driver = rng.choice((30, 40, 50))
    anc = rng.random() < 0.7
    return Spec(
        attributes={"driver_mm": driver, "battery_life_h": hours, "bluetooth": "5.3",
                    "codecs": ["SBC", "AAC", "LDAC"][: rng.randint(2, 3)],
                    "active_noise_cancelling": anc},
        en=[f"{driver} mm drivers and {hours} hours per charge."
            + (" Active noise cancelling for commutes." if anc else "")],
        fr=[f"Haut-parleurs de {driver} mm et {hours} heures par charge."
            + (" Réduction de bruit active pour les trajets." if anc else "")],
    )  # fmt: skip


def _soundbar(rng: random.Random) -> Spec:
    channels = rng.choice(("2.1", "3.1", "5.1"))
    watts = rng.choice((120, 200, 300, 400))
    return Spec(
        attributes={"channels": channels, "output_w": watts, "hdmi_earc": True,
                    "wireless_subwoofer": channels != "2.1" or rng.random() < 0.5},
        en=[f"{channels} channels, {watts} W, HDMI eARC: clear dialogue without turning it up."],
        fr=[f"{channels} canaux, {watts} W, HDMI eARC : des dialogues clairs sans monter le son."],
    )  # fmt: skip


AUDIO = CategoryBlueprint(
    slug="audio",
    name_en="Audio",
    name_fr="Audio",
    image="audio",
    brands=("Sonaro", "Tempo", "Basswell", "Aurela"),
    kinds=(
        Kind("SP", "Wireless Speaker", "Enceinte sans fil", ("Pebble", "Boom", "Echo", "Vibe"),
             (4900, 24900), "colour", colours("BLK", "WHT", "NVY", "RED"),
             "Take the {brand} {series} from the kitchen to the garden.",
             "Emportez l'enceinte {brand} {series} de la cuisine au jardin.", _speaker),
        Kind("HP", "Headphones", "Casque audio", ("Studio", "Quiet 2", "Air", "Loop"),
             (5900, 34900), "colour", colours("BLK", "SLV", "CRM", "NVY"),
             "The {brand} {series} is comfortable enough for a whole day of listening.",
             "Le casque {brand} {series} reste confortable toute une journée d'écoute.",
             _headphones),
        Kind("SB", "Soundbar", "Barre de son", ("Cinema", "Stage", "Arc 5"),
             (14900, 69900), "colour", colours("BLK", "WHT"),
             "The {brand} {series} fills the living room with cinema sound.",
             "La barre de son {brand} {series} offre un son de cinéma dans le salon.", _soundbar),
    ),
)  # fmt: skip


def _kettle(rng: random.Random) -> Spec:
    watts = rng.choice((2000, 2200, 2400))
    return Spec(
        attributes={"capacity_l": 1.7, "wattage_w": watts, "temperatures_c": [40, 70, 80, 90, 100],
                    "keep_warm_min": 30, "material": "stainless steel"},
        en=[f"1.7 l, {watts} W, five temperatures from 40 to 100 °C for tea and baby bottles."],
        fr=[f"1,7 l, {watts} W, cinq températures de 40 à 100 °C pour le thé et les biberons."],
    )  # fmt: skip


def _coffee(rng: random.Random) -> Spec:
    bars = rng.choice((15, 19, 20))
    return Spec(
        attributes={"pressure_bar": bars, "tank_l": rng.choice((1.2, 1.5, 1.8)),
                    "grinder": rng.random() < 0.5, "milk_frother": True, "wattage_w": 1450},
        en=[f"{bars} bar pump and steam wand for espresso and cappuccino at home."],
        fr=[f"Pompe {bars} bars et buse vapeur pour l'espresso et le cappuccino à la maison."],
    )  # fmt: skip


def _blender(rng: random.Random) -> Spec:
    watts = rng.choice((800, 1000, 1200, 1500))
    return Spec(
        attributes={"wattage_w": watts, "jug": "Tritan, BPA-free", "speeds": rng.choice((5, 8)),
                    "programmes": ["smoothie", "crushed ice", "soup"]},
        en=[f"{watts} W motor with smoothie, crushed-ice and soup programmes."],
        fr=[f"Moteur de {watts} W avec programmes smoothie, glace pilée et soupe."],
    )  # fmt: skip


KITCHEN = CategoryBlueprint(
    slug="kitchen",
    name_en="Kitchen",
    name_fr="Cuisine",
    image="kitchen",
    brands=("Cuisto", "Maison Forge", "Brio", "Ustensia"),
    kinds=(
        Kind("KT", "Temperature Kettle", "Bouilloire à température réglable",
             ("Nova", "Thé", "Classic", "Silk"), (3900, 12900), "colour",
             colours("SLV", "BLK", "CRM", "SGE"),
             "The {brand} {series} heats water to exactly the right temperature.",
             "La bouilloire {brand} {series} chauffe l'eau à la température idéale.", _kettle),
        Kind("CM", "Espresso Machine", "Machine à expresso", ("Barista", "Crema", "Duo"),
             (14900, 59900), "colour", colours("SLV", "BLK", "RED"),
             "Café-quality espresso from the {brand} {series}.",
             "Un expresso digne d'un café avec la {brand} {series}.", _coffee),
        Kind("BD", "Blender", "Blender", ("Vortex", "Fresh", "Power", "Mix"), (4900, 19900),
             "capacity", (Choice("1L", "1 l", 100), Choice("15L", "1.5 l", 112),
                          Choice("2L", "2 l", 125)),
             "Silky smoothies and soups with the {brand} {series}.",
             "Des smoothies et des soupes onctueux avec le {brand} {series}.", _blender),
    ),
)  # fmt: skip


def _desk(rng: random.Random) -> Spec:
    low, high = rng.choice(((62, 127), (65, 130), (70, 120)))
    return Spec(
        attributes={"height_cm": f"{low}–{high}", "motors": rng.choice((1, 2)),
                    "max_load_kg": rng.choice((80, 100, 120)), "memory_presets": 4},
        en=[f"Electric height adjustment from {low} to {high} cm with four memory presets."],
        fr=[f"Réglage électrique de la hauteur de {low} à {high} cm, quatre positions "
            "mémorisées."],
    )  # fmt: skip


def _chair(rng: random.Random) -> Spec:
    return Spec(
        attributes={"lumbar_support": "adjustable", "armrests": "4D", "max_load_kg": 120,
                    "seat_height_cm": "44–54", "mesh_back": rng.random() < 0.7},
        en=["Adjustable lumbar support, 4D armrests and a breathable back for long days."],
        fr=["Soutien lombaire réglable, accoudoirs 4D et dossier respirant pour les longues "
            "journées."],
    )  # fmt: skip


def _webcam(rng: random.Random) -> Spec:
    resolution = rng.choice(("1080p", "1440p", "4K"))
    fps = rng.choice((30, 60))
    return Spec(
        attributes={"resolution": resolution, "fps": fps, "field_of_view_deg": 90,
                    "microphones": 2, "privacy_shutter": True, "connector": "USB-C"},
        en=[f"{resolution} at {fps} fps, dual microphones and a privacy shutter."],
        fr=[f"{resolution} à {fps} images/s, double micro et cache de confidentialité."],
    )  # fmt: skip


HOME_OFFICE = CategoryBlueprint(
    slug="home-office",
    name_en="Home office",
    name_fr="Bureau à domicile",
    image="home-office",
    brands=("Ergodesk", "Bureo", "Posture", "Studio Nord"),
    kinds=(
        Kind("DK", "Standing Desk", "Bureau assis-debout", ("Lift", "Flex", "Rise"),
             (29900, 79900), "size", (Choice("120", "120 × 60 cm", 100),
                                      Choice("140", "140 × 70 cm", 110),
                                      Choice("160", "160 × 80 cm", 122)),
             "Switch between sitting and standing at the {brand} {series}.",
             "Alternez position assise et debout avec le bureau {brand} {series}.", _desk),
        Kind("CH", "Ergonomic Chair", "Fauteuil ergonomique", ("Comfort", "Axis", "Balance"),
             (19900, 59900), "colour", colours("BLK", "GRY", "NVY"),
             "The {brand} {series} supports your back through the working day.",
             "Le fauteuil {brand} {series} soutient votre dos toute la journée.", _chair),
        Kind("WC", "Webcam", "Webcam", ("View", "Meet", "Clear"), (4900, 19900), "colour",
             colours("BLK", "WHT"),
             "Look sharp in every call with the {brand} {series}.",
             "Soyez net à chaque visioconférence avec la {brand} {series}.", _webcam),
    ),
)  # fmt: skip


def _solar_light(rng: random.Random) -> Spec:
    lumens = rng.choice((100, 200, 400, 800))
    hours = rng.choice((8, 10, 12))
    return Spec(
        attributes={"lumens": lumens, "runtime_h": hours, "ip_rating": "IP65",
                    "motion_sensor": rng.random() < 0.6, "panel": "monocrystalline"},
        en=[f"{lumens} lm, up to {hours} hours a night on a day of sun, IP65, no wiring."],
        fr=[f"{lumens} lm, jusqu'à {hours} heures par nuit après une journée de soleil, IP65, "
            "sans câblage."],
    )  # fmt: skip


def _camera(rng: random.Random) -> Spec:
    resolution = rng.choice(("2K", "4K"))
    return Spec(
        attributes={"resolution": resolution, "night_vision_m": rng.choice((10, 15, 20)),
                    "ip_rating": "IP66", "storage": "microSD + encrypted cloud",
                    "power": rng.choice(("battery", "solar panel", "mains"))},
        en=[f"{resolution} video with colour night vision; recordings stay encrypted."],
        fr=[f"Vidéo {resolution} avec vision nocturne en couleur ; enregistrements chiffrés."],
    )  # fmt: skip


def _watering(rng: random.Random) -> Spec:
    zones = rng.choice((1, 2, 4))
    return Spec(
        attributes={"zones": zones, "thread": "3/4\"", "battery": "2 × AA",
                    "weather_skip": True, "connectivity": "Bluetooth"},
        en=[f"{zones}-zone tap timer that skips watering when rain is forecast."],
        fr=[f"Programmateur d'arrosage {zones} voie{'s' if zones > 1 else ''} qui saute "
            "l'arrosage quand la pluie est annoncée."],
    )  # fmt: skip


OUTDOOR = CategoryBlueprint(
    slug="outdoor",
    name_en="Outdoor",
    name_fr="Extérieur",
    image="outdoor",
    brands=("Jardino", "Solis", "Terrasse & Co"),
    kinds=(
        Kind("SO", "Solar Garden Light", "Lampe solaire de jardin", ("Sun", "Path", "Beam", "Spot"),
             (1999, 7999), "pack", packs(1, 2, 4),
             "The {brand} {series} lights paths and terraces from dusk.",
             "La lampe {brand} {series} éclaire allées et terrasses dès la tombée du jour.",
             _solar_light),
        Kind("OC", "Outdoor Camera", "Caméra extérieure", ("Guard", "Watch", "Sentinel"),
             (7900, 24900), "colour", colours("WHT", "BLK"),
             "Keep an eye on the garden with the {brand} {series}.",
             "Surveillez le jardin avec la caméra {brand} {series}.", _camera),
        Kind("WT", "Smart Watering Timer", "Programmateur d'arrosage connecté",
             ("Rain", "Drop", "Garden"), (3900, 11900), "colour", colours("SGE", "GRY"),
             "The {brand} {series} waters the garden while you are away.",
             "Le {brand} {series} arrose le jardin pendant votre absence.", _watering),
    ),
)  # fmt: skip

LIVING = (LIGHTING, AUDIO, KITCHEN, HOME_OFFICE, OUTDOOR)
