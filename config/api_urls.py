"""The REST API under ``/api/``: the OpenAPI schema, its page (Swagger UI, served from the
local drf-spectacular-sidecar files: no CDN), and the record's routes. Every id in a URL is
a public UUID."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from careplan import api as careplan_api
from dossier import api as dossier_api
from dossier import closure_api, consult_api
from dossier.entry_api import entry_routes
from ebirth import api as ebirth_api
from network import api as network_api

app_name = "api"

DOSSIER = "dossiers/<uuid:public_id>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # its script served as a file of its own: the CSP runs no inline script
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("figures/", ebirth_api.FiguresApi.as_view(), name="figures"),
    path("figures/ward/", ebirth_api.WardFiguresApi.as_view(), name="figures-ward"),
    path("dossiers/", dossier_api.DossierListApi.as_view(), name="dossier-list"),
    path(DOSSIER, dossier_api.DossierDetailApi.as_view(), name="dossier-detail"),
    path(DOSSIER + "newborns/", dossier_api.NewbornListApi.as_view(), name="newborn-list"),
    path(
        DOSSIER + "newborns/<uuid:newborn_id>/",
        dossier_api.NewbornDetailApi.as_view(),
        name="newborn-detail",
    ),
    path(
        DOSSIER + "newborns/<uuid:newborn_id>/measurements/",
        dossier_api.MeasurementListApi.as_view(),
        name="measurement-list",
    ),
    path(
        DOSSIER + "newborns/<uuid:newborn_id>/screenings/",
        dossier_api.ScreeningListApi.as_view(),
        name="screening-list",
    ),
    path(DOSSIER + "memberships/", network_api.MembershipListApi.as_view(), name="membership-list"),
    path(
        DOSSIER + "memberships/<uuid:membership_id>/end/",
        network_api.MembershipEndApi.as_view(),
        name="membership-end",
    ),
    path(DOSSIER + "consent/", network_api.ConsentApi.as_view(), name="consent"),
    path(DOSSIER + "handover/", closure_api.HandoverDocumentApi.as_view(), name="handover"),
    # a consult with the maternity ward (dossier/consults.py)
    path(DOSSIER + "consults/", consult_api.ConsultListApi.as_view(), name="consult-list"),
    path(
        DOSSIER + "consults/<uuid:consult_id>/answer/",
        consult_api.ConsultAnswerApi.as_view(),
        name="consult-answer",
    ),
    path(
        DOSSIER + "consults/<uuid:consult_id>/notes/",
        consult_api.ConsultNoteApi.as_view(),
        name="consult-notes",
    ),
    path(
        DOSSIER + "consults/<uuid:consult_id>/withdraw/",
        consult_api.ConsultWithdrawApi.as_view(),
        name="consult-withdraw",
    ),
    *entry_routes(),
    path(DOSSIER + "careplan/", careplan_api.CarePlanApi.as_view(), name="careplan"),
    path(
        DOSSIER + "careplan/versions/",
        careplan_api.PlanVersionListApi.as_view(),
        name="careplan-versions",
    ),
    path(
        DOSSIER + "careplan/versions/<int:number>/",
        careplan_api.PlanVersionApi.as_view(),
        name="careplan-version",
    ),
]
