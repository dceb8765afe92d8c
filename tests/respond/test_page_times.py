"""The time a respondent spends on each page is kept with the response (for speeder detection)."""

from __future__ import annotations

import time

from surveyapp.extensions import db
from surveyapp.models import Response

from .conftest import LOYALTY_ANSWERS, post_page, stored


def test_seconds_per_page_are_recorded(app, client, loyalty):
    path = loyalty.invite()
    for number, data in enumerate(LOYALTY_ANSWERS, start=1):
        if number == 3:
            client.get(path)
            time.sleep(0.4)  # a respondent reading page 3
        post_page(client, path, data)
    response_id = stored(app, path).id
    with app.app_context():
        response = db.session.get(Response, response_id)
        times = response.page_seconds
        pages = [page.id for page in response.questionnaire_version.questionnaire().pages]
        assert response.status == "completed"
    assert set(times) <= set(pages) and len(times) == len(LOYALTY_ANSWERS)
    assert times[pages[2]] >= 0.4 and all(value >= 0 for value in times.values())
    assert sum(times.values()) < 60
