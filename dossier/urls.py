import re

from django.urls import path, register_converter

from dossier import closure_views, consult_views, feed_views, own_copy_views, views
from dossier.entries import KINDS


class EntryKindConverter:
    """Only the slugs of ``dossier.entries.KINDS``: other pages under a dossier's URL (the
    network's, for one) stay theirs."""

    regex = "|".join(re.escape(slug) for slug in KINDS)

    def to_python(self, value):
        return KINDS[value]  # the view gets the kind itself

    def to_url(self, value):
        return getattr(value, "slug", value)


register_converter(EntryKindConverter, "entrykind")

app_name = "dossier"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("nieuw/", views.dossier_create, name="create"),
    path("<uuid:public_id>/", views.dossier_detail, name="detail"),
    path("<uuid:public_id>/zwangerschap/", views.dossier_edit, name="edit"),
    path("<uuid:public_id>/moeder/", views.mother_edit, name="mother_edit"),
    path(
        "<uuid:public_id>/nieuwe-zwangerschap/", views.dossier_new_pregnancy, name="new_pregnancy"
    ),
    path("<uuid:public_id>/bevalling/", views.delivery_edit, name="delivery"),
    path("<uuid:public_id>/geschiedenis/<str:section>/", views.history, name="history"),
    path("<uuid:public_id>/pasgeborenen/nieuw/", views.newborn_edit, name="newborn_create"),
    path(
        "<uuid:public_id>/pasgeborenen/<uuid:newborn_id>/", views.newborn_edit, name="newborn_edit"
    ),
    path("<uuid:public_id>/pasgeborenen/<uuid:newborn_id>/gewicht/", views.weight, name="weight"),
    path(
        "<uuid:public_id>/pasgeborenen/<uuid:newborn_id>/screenings/",
        views.newborn_screenings,
        name="screenings",
    ),
    path("<uuid:public_id>/reactie/<str:about>/", views.record_comment, name="record_comment"),
    path("<uuid:public_id>/signalen/", views.alerts, name="alerts"),
    path("<uuid:public_id>/voeding/", feed_views.feeds_page, name="feeds"),
    # a consult with the maternity ward (dossier/consults.py)
    path("<uuid:public_id>/consult/", consult_views.consults_page, name="consults"),
    path("<uuid:public_id>/consult/vragen/", consult_views.consult_ask, name="consult_ask"),
    path(
        "<uuid:public_id>/consult/<uuid:consult_id>/",
        consult_views.consult_answer,
        name="consult_answer",
    ),
    path(
        "<uuid:public_id>/consult/<uuid:consult_id>/intrekken/",
        consult_views.consult_withdraw,
        name="consult_withdraw",
    ),
    path("<uuid:public_id>/<entrykind:kind>/", views.entry_list, name="entries"),
    path("<uuid:public_id>/<entrykind:kind>/<uuid:entry_id>/", views.entry_edit, name="entry_edit"),
    path(
        "<uuid:public_id>/<entrykind:kind>/<uuid:entry_id>/reactie/",
        views.entry_comment,
        name="entry_comment",
    ),
    path("<uuid:public_id>/mijn-kopie/", own_copy_views.own_copy_download, name="own_copy"),
    # closing the record: the hand-over summary (dossier/closure.py)
    path("<uuid:public_id>/overdracht/", closure_views.handover, name="handover"),
    path(
        "<uuid:public_id>/overdracht/voorbereiden/",
        closure_views.handover_prepare,
        name="handover_prepare",
    ),
    path(
        "<uuid:public_id>/overdracht/toestemming/",
        closure_views.handover_consent,
        name="handover_consent",
    ),
    path(
        "<uuid:public_id>/overdracht/versturen/", closure_views.handover_send, name="handover_send"
    ),
    path("<uuid:public_id>/overdracht/pdf/", closure_views.handover_pdf, name="handover_pdf"),
    path("overdracht/<str:token>/", closure_views.handover_link, name="handover_link"),
]
