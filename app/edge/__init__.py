"""The pure-ASGI layers around the FastAPI application (app.main.create_asgi stacks them).

Outermost first: `front.FrontDoor` (request id, `guards`, `metrics`, the `access_log`, and
cache hits answered at once), `cache.ResponseCache`, `security.SecurityHeaders`, CORS, then
FastAPI. `representation` makes the cache's stored answers (ETag, 304, compression);
`negotiation` parses Accept and Accept-Encoding for the cache and the routes. The
edge knows nothing of the queries: app.main hands the cache its dataset-version reader.
"""
