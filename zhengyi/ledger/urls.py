from django.urls import path, re_path

from zhengyi.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("checkpoint/witnessed", views.checkpoint_witnessed, name="checkpoint_witnessed"),
    path("key", views.key, name="key"),
    path("keys", views.keys, name="keys"),
    path("cosign", views.cosign, name="cosign"),
    # c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>] (parsed strictly).
    re_path(r"^tile/(?P<path>.+)$", views.tile, name="tile"),
    path("api/proof/inclusion", views.api_inclusion, name="api_inclusion"),
    path("api/proof/consistency", views.api_consistency, name="api_consistency"),
    path("api/entries/<int:index>", views.api_entry, name="api_entry"),
    path("entries/<int:index>/", views.entry_page, name="entry"),
]
