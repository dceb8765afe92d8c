"""Response-rate figures per wave and segment: how far each invitation got."""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import Contact, Invitation, Response, Survey, Wave

#: Contacts erased since (retention or request) can no longer be placed in a segment.
UNKNOWN = "(unknown)"


@dataclass
class RateRow:
    """One wave (and group): counts of invitations by how far they got."""

    wave: str
    group: str | None  # the value of the ``by`` attribute; None for the wave's total
    invited: int = 0
    opened: int = 0  # opened the personal link
    started: int = 0  # a response exists
    completed: int = 0
    bounced: int = 0  # the address turned out undeliverable
    opted_out: int = 0

    @property
    def response_rate(self) -> float | None:
        """Completed responses as a share of invitations (0..1); None when nobody was invited."""
        return self.completed / self.invited if self.invited else None

    def as_dict(self) -> dict:
        return {"wave": self.wave, "group": self.group, "invited": self.invited, "opened": self.opened,
                "started": self.started, "completed": self.completed, "bounced": self.bounced,
                "opted_out": self.opted_out, "response_rate": self.response_rate}


def response_rates(survey: Survey, wave: Wave | None = None, by: str | None = "segment") -> list[RateRow]:
    """Per wave (all waves of ``survey``, or ``wave``): a total row, then one row per value of
    contact attribute ``by`` (``segment``, ``channel``, ``persona``, ...; None for totals only).

    Invited counts invitations; opened = ``Invitation.opened_at`` set; started = a response
    exists; completed = the response is completed; bounced and opted out come from the contact.
    """
    query = (
        db.select(Wave.name, Invitation.opened_at, Response.status, Contact)
        .select_from(Invitation)
        .join(Wave, Invitation.wave_id == Wave.id)
        .outerjoin(Contact, Invitation.contact_id == Contact.id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Wave.survey_id == survey.id)
        .order_by(Wave.opens_at, Wave.id)
    )
    if wave is not None:
        query = query.where(Wave.id == wave.id)
    rows: dict[tuple[str, str | None], RateRow] = {}
    waves = [w.name for w in ([wave] if wave is not None else survey.waves)]
    for name in waves:
        rows[(name, None)] = RateRow(name, None)
    for wave_name, opened_at, status, contact in db.session.execute(query):
        targets = [rows.setdefault((wave_name, None), RateRow(wave_name, None))]
        if by:
            value = (contact.attributes or {}).get(by) if contact is not None else None
            group = UNKNOWN if value in (None, "") else str(value)
            targets.append(rows.setdefault((wave_name, group), RateRow(wave_name, group)))
        for row in targets:
            row.invited += 1
            row.opened += opened_at is not None
            row.started += status is not None
            row.completed += status == "completed"
            row.bounced += contact is not None and contact.undeliverable_at is not None
            row.opted_out += contact is not None and contact.opted_out_at is not None
    order = {name: index for index, name in enumerate(waves)}
    return sorted(rows.values(), key=lambda r: (order.get(r.wave, len(order)), r.group is not None, r.group or ""))
