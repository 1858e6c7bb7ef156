"""群防群治 — alliances of private security: guards, teams, rotating duty (轮值) and training (轮训).

For now only the pure algorithmic core of duty rostering lives here
(:mod:`zhengyi.alliances.rostering`, no Django imports); the Django app (models, services,
pages) comes with the rest of the alliances issue.
"""
