from django.urls import path

from zhengyi.precinct import views

app_name = "precinct"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/<str:level>.geojson", views.map_data, name="map_data"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("zones/", views.zone_list, name="zone_list"),
    path("zones/<int:pk>/", views.zone_detail, name="zone_detail"),
    path("landmarks/", views.landmark_list, name="landmark_list"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("import/", views.import_page, name="import"),
    path("export/", views.export_download, name="export"),
]
