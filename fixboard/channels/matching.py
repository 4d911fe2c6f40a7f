"""Which service type a resident's words name: its name, its keywords (where a city lists
synonyms, in every language it serves) and its group."""

from fixboard.catalog.models import ServiceType

from .language import words

MENU_SIZE = 9  # one digit to answer with


def _terms(service_type: ServiceType) -> set[str]:
    terms = set(words(service_type.name))
    for keyword in service_type.keywords.split(","):
        terms.update(words(keyword))
    return {term for term in terms if len(term) > 2}


def _stem(word: str) -> str:
    # Plurals: "potholes", "baches", "lights" name what "pothole", "bache", "light" do.
    for ending in ("es", "s"):
        if word.endswith(ending) and len(word) - len(ending) > 2:
            return word[: -len(ending)]
    return word


def best_match(service_types: list[ServiceType], text: str) -> ServiceType | None:
    """The one service type whose terms the text uses most, or None when none or a tie."""
    said = {_stem(word) for word in words(text)}
    scores = []
    for service_type in service_types:
        score = len(said & {_stem(term) for term in _terms(service_type)})
        if score:
            scores.append((score, service_type))
    scores.sort(key=lambda pair: pair[0], reverse=True)
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return scores[0][1]


def menu_of(service_types: list[ServiceType], text: str) -> list[ServiceType]:
    """At most MENU_SIZE service types to offer by number: those the text comes close to
    first, then the rest in the catalog's order."""
    said = {_stem(word) for word in words(text)}
    ranked = sorted(
        service_types,
        key=lambda s: -len(said & {_stem(t) for t in _terms(s)}),
    )
    return ranked[:MENU_SIZE]
