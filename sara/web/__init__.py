"""The web face: FastAPI, server-rendered pages and a JSON API. Routes hold no business
rules: each calls one service function and renders its result. ``create_app`` is the entry."""
