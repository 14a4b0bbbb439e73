"""Activation of the akun belajar.id: the walkthrough as data, each teacher's progress, nudges,
tickets for a human, and the funnel staff read.

    walkthrough.py  the flow from content/activation.yaml, checked at start-up; typed-error matching
    models.py       tables: progress, funnel events, tickets
    progress.py     moving a teacher along, recording events, opening tickets, erasure
    nudges.py       the timed job that nudges silent teachers in their daytime (a prompt each)
    funnel.py       the counts behind GET /api/stats/activation

The conversation and the feature's entry in `bot/features.py` are in handlers/activation.py.
"""
