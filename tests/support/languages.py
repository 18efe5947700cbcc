"""Languages and their expected alphabetical orders."""

# Family names whose order differs between the code points (binary), root Unicode collation
# and the language's own tailoring (CLDR). Each list is in the language's order.
LANGUAGE_ORDER = {
    "es": ["Nuñez", "Ñandú", "Ortega", "Zapata"],  # ñ is its own letter after n
    "fr": ["Dupont", "Éric", "Eve", "Zola"],  # é sorts with e (binary puts it after z)
    "de": ["Apfel", "Äpfel", "Bach", "Zabel"],  # ä with a
    "sv": ["Abel", "Zorn", "Åberg", "Ärla", "Öberg"],  # å ä ö after z, in that order
    "ru": ["Елкин", "Ёлкин", "Жуков", "Яков", "Abbott"],  # Cyrillic first, Latin after
    "ar": ["أحمد", "بشير", "ياسر", "Zed"],  # Arabic first, Latin after
}
