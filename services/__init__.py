"""What the command line and the web page both serve, above the store and the pure core.

    runtime     the one object that wires a running ShadowTally: engine, election, parser, hand-off
    elections   the bundled definition and its stored id (``loaded_election_id``)
    tally       the shadow tally and reconciliation over a store
    exports     tidy rows for CSV/JSON, each number with the URL that said it
    feed        the Atom findings feed
    datasette   Datasette metadata for the store
    demo        the caucus-night replay end to end
"""
