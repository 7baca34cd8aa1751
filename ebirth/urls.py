from django.urls import path

from ebirth import views

app_name = "ebirth"

urlpatterns = [
    path("cijfers/", views.figures_page, name="figures"),
    path("cijfers/csv/", views.figures_csv, name="figures_csv"),
    path("cijfers/kraamafdeling/", views.ward_figures_page, name="ward_figures"),
    path("cijfers/kraamafdeling/csv/", views.ward_figures_csv, name="ward_figures_csv"),
    path("ebirth/werklijst/", views.worklist_page, name="worklist"),
    path("ebirth/exports/", views.exports_page, name="exports"),
    path("ebirth/exports/start/", views.export_start, name="export_start"),
    path(
        "ebirth/exports/<uuid:export_id>/voortgang/", views.export_progress, name="export_progress"
    ),
    path(
        "ebirth/exports/<uuid:export_id>/<str:file_format>/",
        views.export_download,
        name="export_download",
    ),
]
