"""Questionnaires in the back office: upload, problems beside the text, preview, publish."""

from __future__ import annotations

import io
import re

from surveyapp.models import QuestionnaireVersion, Response
from surveyapp.questionnaire import validate_file

from .conftest import SHORT, count, csrf_token, post_form

NL = {"Accept-Language": "nl"}
MISTAKE = SHORT.read_text(encoding="utf-8").replace("scale: nps\n        required", "scale: npx\n        required")


def upload(client, text: str, name: str = "short.yaml", **kwargs):
    token = csrf_token(client.get("/manage/questionnaires").data)
    return client.post("/manage/questionnaires", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data", **kwargs)


def draft_url(client, text: str) -> str:
    response = upload(client, text)
    assert response.status_code == 303, response.data.decode()
    return response.headers["Location"]


def test_a_mistake_is_shown_with_its_line_and_column_beside_the_text(app, researcher, tmp_path):
    url = draft_url(researcher, MISTAKE)
    page = researcher.get(url).data.decode()
    # The same problem `surveyapp questionnaire validate` reports, at the same spot.
    bad = tmp_path / "short.yaml"
    bad.write_text(MISTAKE, encoding="utf-8")
    [problem] = validate_file(bad)
    assert (problem.line, problem.column) == (30, 9)
    assert "Line 30, column 9" in page
    assert 'unknown scale "npx"' in page.replace("&#34;", '"')
    assert '<a href="#line-30">' in page
    line = re.search(r'<li id="line-30" class="has-problem"><code>(.*?)</code>', page).group(1)
    assert line == "        <mark>s</mark>cale: npx"  # column 9 is marked on the line itself
    assert 'id="line-29">' in page and 'id="line-29" class' not in page
    assert "Review the changes and publish" not in page  # nothing to publish yet
    assert count(app, QuestionnaireVersion) == 0


def test_the_problems_speak_dutch(researcher):
    url = draft_url(researcher, MISTAKE)
    page = researcher.get(url, headers=NL).data.decode()
    assert "Regel 30, kolom 9" in page
    assert "1 probleem in dit bestand" in page


def test_a_file_that_is_not_yaml_or_too_large_is_refused(researcher):
    response = upload(researcher, "id: x", name="short.txt")
    assert response.status_code == 422
    assert "Upload a .yaml or .yml file." in response.data.decode()


def test_correcting_the_text_in_the_browser_checks_it_again(researcher):
    url = draft_url(researcher, MISTAKE)
    response = post_form(researcher, url + "/text", {"text": SHORT.read_text(encoding="utf-8")}, page=url)
    assert response.status_code == 303
    page = researcher.get(url).data.decode()
    assert "No problems found" in page
    assert "has-problem" not in page


def test_uploading_a_corrected_file_replaces_the_draft(researcher):
    url = draft_url(researcher, MISTAKE)
    token = csrf_token(researcher.get(url).data)
    response = researcher.post(url + "/file", data={"csrf_token": token, "file": (SHORT.open("rb"), "short.yaml")},
                               content_type="multipart/form-data")
    assert response.status_code == 303
    assert "No problems found" in researcher.get(url).data.decode()


def test_a_draft_belongs_to_the_one_who_uploaded_it(app, researcher):
    from .conftest import add_user, english_client, sign_in

    url = draft_url(researcher, MISTAKE)
    add_user(app, "rob@example.com", "researcher")
    other = english_client(app)
    sign_in(other, "rob@example.com")
    assert other.get(url).status_code == 404
    assert other.get("/manage/questionnaires/drafts/..%2F..%2Fetc").status_code == 404


def _preview(client, url: str, language: str = "nl", **attributes):
    response = post_form(client, url + "/preview", {"language": language, **{f"attr-{k}": v for k, v in attributes.items()}},
                         page=url)
    assert response.status_code == 303
    return response.headers["Location"]


def _answer(client, page_url: str, data: dict, action: str = "next"):
    page = client.get(page_url)
    form = {"csrf_token": csrf_token(page.data), "action": action,
            "page": re.search(r'name="page" value="([^"]+)"', page.data.decode()).group(1)}
    form.update({f"a-{key}": value for key, value in data.items()})
    return client.post(page_url, data=form)


def test_the_preview_is_the_respondents_page_with_logic_and_stores_nothing(app, researcher):
    url = draft_url(researcher, SHORT.read_text(encoding="utf-8"))
    page_url = _preview(researcher, url, "nl")
    first = researcher.get(page_url).data.decode()
    assert '<html lang="nl">' in first
    assert "Hoe waarschijnlijk is het dat u ons aanbeveelt?" in first
    assert "Pagina 1 van 2" in first and "Volgende" in first
    assert "Voorbeeld" in first  # the banner says it is a preview

    response = _answer(researcher, page_url, {})  # required, not answered: the respondent's message
    assert response.status_code == 422
    assert "Kies een antwoord." in response.data.decode() or "error-summary" in response.data.decode()

    assert _answer(researcher, page_url, {"nps": "3"}).status_code == 303
    second = researcher.get(page_url).data.decode()
    assert "Wat is de belangrijkste reden voor uw cijfer?" in second  # nps <= 6
    assert "contactpersoon" not in second  # segment is not "large"

    assert _answer(researcher, page_url, {}, action="back").status_code == 303
    assert _answer(researcher, page_url, {"nps": "9"}).status_code == 303
    second = researcher.get(page_url).data.decode()
    assert "Wat is de belangrijkste reden" not in second
    assert _answer(researcher, page_url, {"remarks": "Prima"}).status_code == 303
    assert "Dank u wel!" in researcher.get(page_url).data.decode()
    assert count(app, Response) == 0


def test_the_preview_in_english_with_an_attribute(researcher):
    url = draft_url(researcher, SHORT.read_text(encoding="utf-8"))
    page_url = _preview(researcher, url, "en", segment="large")
    assert "How likely is it that you would recommend us?" in researcher.get(page_url).data.decode()
    _answer(researcher, page_url, {"nps": "10"})
    second = researcher.get(page_url).data.decode()
    assert '<html lang="en">' in second
    assert "What do you think of your account manager?" in second


def test_publish_first_version_then_a_breaking_change_needs_confirmation(app, researcher):
    url = draft_url(researcher, SHORT.read_text(encoding="utf-8"))
    confirm = researcher.get(url + "/publish").data.decode()
    assert "This is the first version of this questionnaire." in confirm
    response = post_form(researcher, url + "/publish")
    assert response.status_code == 303
    assert count(app, QuestionnaireVersion) == 1
    with app.app_context():  # stored as `surveyapp questionnaire publish short.yaml` stores it
        from surveyapp.extensions import db

        first = db.session.scalar(db.select(QuestionnaireVersion))
        assert (first.key, first.version, first.source_name) == ("short-check", 1, "short.yaml")
        assert first.source_text == SHORT.read_text(encoding="utf-8")
        assert first.published_by_id is not None
    assert researcher.get(url).status_code == 404  # the draft is gone once published

    changed = SHORT.read_text(encoding="utf-8").replace("""      - id: remarks
        type: text
        text:
          nl: Heeft u nog opmerkingen?
          en: Any other remarks?
""", "")
    url = draft_url(researcher, changed)
    confirm = researcher.get(url + "/publish").data.decode()
    assert "Breaks comparability:" in confirm and "remarks" in confirm and "item removed" in confirm
    refused = post_form(researcher, url + "/publish")
    assert refused.status_code == 422
    assert count(app, QuestionnaireVersion) == 1
    published = post_form(researcher, url + "/publish", {"confirm": "y"})
    assert published.status_code == 303
    assert count(app, QuestionnaireVersion) == 2
    version_page = researcher.get(published.headers["Location"]).data.decode()
    assert "short-check, version 2" in version_page


def test_a_published_version_can_be_previewed(app, researcher):
    url = draft_url(researcher, SHORT.read_text(encoding="utf-8"))
    version_url = post_form(researcher, url + "/publish").headers["Location"]
    page_url = _preview(researcher, version_url, "en")
    assert "How likely is it that you would recommend us?" in researcher.get(page_url).data.decode()


def test_a_long_open_answer_in_the_preview_is_kept_like_a_respondents(researcher):
    url = draft_url(researcher, SHORT.read_text(encoding="utf-8"))
    page_url = _preview(researcher, url, "en")
    _answer(researcher, page_url, {"nps": "2"})
    long_text = "Slow delivery. " * 300  # 4,500 characters: more than a session cookie holds
    _answer(researcher, page_url, {"detractor_reason": long_text, "remarks": "x"}, action="back")
    _answer(researcher, page_url, {"nps": "2"})
    assert long_text.strip() in researcher.get(page_url).data.decode()


def test_a_questionnaire_larger_than_a_form_may_be_is_still_accepted(app, researcher, client):
    """The app refuses requests over 1 MB, but a questionnaire may be 2 MB: its upload route takes
    that much from a signed-in researcher (and says "too large" beyond), nobody else's request."""
    padding = "# " + "x" * 98 + "\n"
    big = SHORT.read_text(encoding="utf-8") + padding * 15_000  # 1.5 MB of comments
    assert 1_048_576 < len(big.encode()) < 2_000_000
    response = upload(researcher, big)
    assert response.status_code == 303, response.status_code
    too_big = upload(researcher, big + "#" * (2_010_000 - len(big.encode())) + "\n")  # the view says why
    assert too_big.status_code == 422 and "too large for a questionnaire" in too_big.data.decode()
    assert upload(researcher, big * 2).status_code == 413  # far beyond: refused before it is read
    # an anonymous visitor (and every other route) keeps the 1 MB limit
    anonymous = client.post("/manage/questionnaires", data={"file": (io.BytesIO(big.encode()), "q.yaml")},
                            content_type="multipart/form-data")
    assert anonymous.status_code == 413
    other = researcher.post("/manage/users", data={"x": "y" * 1_100_000})
    assert other.status_code == 413
