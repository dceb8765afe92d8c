"""The back office, ``/manage/``: what researchers and administrators do in the browser.

Every action calls the function the ``surveyapp`` command calls for it (one place per write);
the views only read the form, call it, and show the outcome. Views are split by area:
questionnaires (with the respondent's preview), surveys and waves, contacts, sending and
response rates, users.
"""

from .blueprint import bp

__all__ = ["bp"]
