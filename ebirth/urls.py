from django.urls import path

from ebirth import views

app_name = "ebirth"

urlpatterns = [
    path("cijfers/", views.figures_page, name="figures"),
    path("cijfers/csv/", views.figures_csv, name="figures_csv"),
]
