"""The languages surveyapp speaks: the one list in the project."""

LANGUAGES = ("nl", "en")
