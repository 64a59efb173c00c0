"""Collectors: fetch raw items from X, feeds and official releases, store them, hand them on.

Every collector stores the raw payload first (:class:`store.models.Post` or
:class:`store.models.OfficialRelease`) and only then passes the text to the parser
(:mod:`collectors.pipeline`). All effects live here; the budget model
(:mod:`collectors.budget`) is pure.

    base       the Collector protocol, RawItem, PassResult, the error tree
    http       one fetch with timeouts, a size cap, a redirect limit, backoff with jitter
    x          X API v2 through tweepy (accounts, lists, searches)
    feeds      RSS/Atom (Mastodon, Bluesky, county and party sites) through feedparser
    official   official releases in three layouts, strict, rejected whole
    config     shadowtally.toml
    scheduler  one APScheduler job per source; one pass over every source
"""
