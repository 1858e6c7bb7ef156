"""The ceiling of bench/alert_intake.py: the minimal Django JSON view (DESIGN.md §7).

One view returning ``JsonResponse({"ok": True})``, no database, no middleware, no apps,
``DEBUG = False``, served by granian's WSGI interface with the same flags as
``zhengyi serve``. Its own settings module, so nothing of zhengyi is imported.
"""
