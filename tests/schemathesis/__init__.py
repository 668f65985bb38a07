"""Schemathesis over each service's OpenAPI document."""
