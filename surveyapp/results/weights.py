"""Raking weights of a survey's completed responses, stored with each response (``Response.weight``).

The raking is :func:`surveyapp.analysis.weighting.rake`; the variables are the responses'
attributes (segment, channel, persona ...) and language. Each wave is raked on its own, so that
every wave matches the population and the tracker compares like with like.
"""

from __future__ import annotations

from ..analysis.weighting import RakeResult, rake
from ..extensions import db
from ..models import Response, Survey, Wave
from .dataset import response_table


def weight_survey(survey: Survey, margins: dict[str, dict[str, float]], *, wave: Wave | None = None,
                  trim: tuple[float, float] | None = None) -> dict[str, RakeResult]:
    """Rake the completed responses of ``survey`` (one wave, or each wave) and store the weights.

    Returns the result per wave name. Raises
    :class:`~surveyapp.analysis.weighting.RakingError` (nothing stored) when a wave's responses
    and the margins do not fit.
    """
    table = response_table(survey, wave=wave)
    if table.empty:
        raise ValueError("no completed responses to weight")
    results = {}
    for name, part in table.groupby("wave", sort=False):
        results[name] = rake(part, margins, trim=trim, source=f"the completed responses of wave {name}")
    for result in results.values():
        for response_id, weight in result.weights.items():
            db.session.execute(db.update(Response).where(Response.id == int(response_id))
                               .values(weight=float(weight)).execution_options(synchronize_session=False))
    db.session.commit()
    return results
