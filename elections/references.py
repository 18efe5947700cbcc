"""How every entry point names an election: by its slug, or by its id written ``id:12``.

One key with one meaning. A lookup that also took names and bare ids, and the first match
by polling date, imported a register into another election than the one typed (an election
named ``delta-2026`` beside one whose slug is ``delta-2026``). Anything that is not an exact
slug or ``id:N`` is refused, and the refusal names the elections the text could have meant.
"""

from __future__ import annotations

from django.db.models import Q

from config.parsing import ControlCharacters, NotANumber, number_or_none, number_parse, text_check
from elections.models import Election

ID_PREFIX = "id:"
REFERENCE_HELP = "the election's slug, or its id written id:12"
MAX_REFERENCE = 200  # a slug's and a name's max_length


class UnknownElection(ValueError):
    """No election, or not exactly one, answers to the reference; says which might."""


def election_label(election: Election) -> str:
    """How output names the election it acted on: its slug and its name."""
    return f"{election.slug} ({election.name})"


def _candidates(reference: str) -> list[str]:
    """What the text could have meant: a name, a slug in another case, a bare id."""
    matches = Q(name__iexact=reference) | Q(slug__iexact=reference)
    bare_id = number_or_none(reference)
    if bare_id is not None:
        matches |= Q(pk=bare_id)
    found = []
    for election in Election.objects.filter(matches).order_by("slug")[:5]:
        if election.name.casefold() == reference.casefold():
            found.append(f"the election named {election.name!r} (slug {election.slug})")
        elif election.slug.casefold() == reference.casefold():
            found.append(f"the election with slug {election.slug!r} ({election.name})")
        else:
            found.append(
                f"the election with id {election.pk}, written {ID_PREFIX}{election.pk} "
                f"(slug {election.slug}, {election.name})"
            )
    return found


def election_resolve(reference: object) -> Election:
    """The one election ``reference`` names: an exact slug, or ``id:N``."""
    if not isinstance(reference, str):
        raise UnknownElection(
            f"An election is named by {REFERENCE_HELP} (a string), not {reference!r}"[:300]
        )
    if not reference:
        raise UnknownElection(f"No election given: give {REFERENCE_HELP}")
    if len(reference) > MAX_REFERENCE:
        raise UnknownElection(f"No election has a slug of {len(reference)} characters")
    try:
        text_check(reference, what="The election")
    except ControlCharacters as exc:
        raise UnknownElection(str(exc)) from None
    if reference.startswith(ID_PREFIX):
        try:
            pk = number_parse(reference.removeprefix(ID_PREFIX), what="An election id")
        except NotANumber as exc:
            raise UnknownElection(f"{exc} (e.g. {ID_PREFIX}12)") from None
        election = Election.objects.filter(pk=pk).first()
        if election is None:
            raise UnknownElection(f"No election with id {pk}")
        return election
    election = Election.objects.filter(slug=reference).first()
    if election is not None:
        return election
    candidates = _candidates(reference)
    hint = (
        f"; did you mean {' or '.join(candidates)}?" if candidates else f" (give {REFERENCE_HELP})"
    )
    raise UnknownElection(f"No election with slug {reference!r}{hint}")
