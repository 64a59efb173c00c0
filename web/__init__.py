"""The live page: the shadow tally as a newsroom results dashboard, over HTTP.

    views.py   pure: a TallyState and an election in, JSON-able dicts out
    live.py    effects: reads the store, caches the computed state by store version
    app.py     the server's shared state: one store watcher, news for the event streams
    server.py  effects: the HTTP server (page, JSON API, Server-Sent Events, exports)
    static/    index.html, app.js, style.css: plain files, no build step, no CDN

Start it with ``shadowtally serve``.
"""
