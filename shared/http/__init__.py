"""The HTTP adapter (FastAPI): command routes built from a service's command table, the
case-history views, error answers, and the app every service serves.
"""
