"""Two submits of the last page at the same moment (a double click, two tabs) on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from .conftest import LOYALTY_ANSWERS, count_responses, csrf_token, post_page, stored


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_final_submits_complete_once_with_intact_answers(app, loyalty, attempt):
    path = loyalty.invite()
    first_tab = app.test_client()
    for data in LOYALTY_ANSWERS[:-1]:
        post_page(first_tab, path, data)
    second_tab = app.test_client()  # another browser with its own session and CSRF token
    forms = []
    for client, text in ((first_tab, "Antwoord uit tab een."), (second_tab, "Antwoord uit tab twee.")):
        page = client.get(path)
        forms.append((client, {"csrf_token": csrf_token(page.data), "page": "needs", "action": "next",
                               "a-needs": text}))

    barrier = threading.Barrier(len(forms))
    results = [None] * len(forms)

    def submit(index, client, form):
        barrier.wait()
        results[index] = client.post(path, data=form).status_code

    threads = [threading.Thread(target=submit, args=(index, client, form))
               for index, (client, form) in enumerate(forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # The winner is sent on to its thank-you page; the other either lost the race inside the
    # transaction (303 too) or arrived after completion and is told the link is used (410).
    assert 303 in results and set(results) <= {303, 410}, results
    response = stored(app, path)
    assert response.completed
    assert count_responses(app) == 1
    # One submit won entirely; the other changed nothing.
    assert response.answers["needs"] in ("Antwoord uit tab een.", "Antwoord uit tab twee.")
    expected = {key: (value if value == "dk" else int(value))
                for page in LOYALTY_ANSWERS[:-1] for key, value in page.items()}
    assert {key: value for key, value in response.answers.items() if key != "needs"} == expected
    # Afterwards the link is used, whichever tab asks again from another device.
    assert app.test_client().get(path).status_code == 410
