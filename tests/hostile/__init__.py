"""Hostile input: property-based tests over every form and query parameter, session and CSRF on every route."""
