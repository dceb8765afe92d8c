"""The JSON API at /api/v1/ (see :mod:`.views`), its schemas and its OpenAPI document."""
