"""Dutch-ish names for the synthetic roster: schools, teachers and students."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Noah", "Luuk", "Bram", "Jesse",
    "Thijs", "Ruben", "Lars", "Mees", "Sven", "Jens", "Stijn", "Thomas", "Max", "Gijs",
    "Tim", "Niels", "Jayden", "Mohamed", "Youssef", "Emre", "Koen", "Wouter", "Joep", "Hidde",
    "Emma", "Julia", "Tess", "Sophie", "Zoë", "Mila", "Sara", "Anna", "Evi", "Noor",
    "Lotte", "Fleur", "Lieke", "Sanne", "Isa", "Fenna", "Roos", "Femke", "Anouk", "Eva",
    "Nina", "Yara", "Amira", "Fatima", "Sarah", "Lisa", "Iris", "Maud", "Floor", "Jasmijn",
)  # fmt: skip

SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
    "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Bruin", "van der Heijden",
    "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven", "Hoekstra", "Maas",
    "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins", "Blom", "Huisman", "Yilmaz",
    "El Amrani", "Öztürk", "Pinas", "Kramer", "Postma", "Kuiper", "Veenstra", "Wijnen",
)  # fmt: skip

SCHOOLS = (
    "Het Baken College", "Stedelijk Lyceum De Vaart", "Christelijk College Groevenbeek",
    "Openbare Scholengemeenschap De Hoven", "Montessori Lyceum Oostpoort",
    "Erasmus College", "Comenius Lyceum", "Het Rijnlands Lyceum", "De Nieuwe Veste",
)  # fmt: skip


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def school(index: int) -> str:
    """Distinct names for the first schools; numbered once the list runs out."""
    if index < len(SCHOOLS):
        return SCHOOLS[index]
    return f"{SCHOOLS[index % len(SCHOOLS)]} {index // len(SCHOOLS) + 1}"
