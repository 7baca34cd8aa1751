from django.urls import path

from network import join_views, oncall_views, views

app_name = "network"

urlpatterns = [
    path("dossiers/<uuid:public_id>/netwerk/", views.manage, name="manage"),
    path("dossiers/<uuid:public_id>/netwerk/toevoegen/", views.add_member, name="add_member"),
    path(
        "dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/beeindigen/",
        views.end_member,
        name="end_member",
    ),
    path(
        "dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/vervangen/",
        views.replace_member,
        name="replace_member",
    ),
    path(
        "dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/coordinator/",
        views.hand_over,
        name="hand_over",
    ),
    path(
        "dossiers/<uuid:public_id>/netwerk/account-moeder/",
        views.invite_mother,
        name="invite_mother",
    ),
    path("dossiers/<uuid:public_id>/wie-ziet-wat/", views.consent, name="consent"),
    path("dossiers/<uuid:public_id>/wie-bekeek-mijn-dossier/", views.access_log, name="access_log"),
    path("dossiers/<uuid:public_id>/zorgsignaal/", views.concerns, name="concerns"),
    path(
        "dossiers/<uuid:public_id>/zorgsignaal/<uuid:concern_id>/",
        views.concern_acknowledge,
        name="concern_acknowledge",
    ),
    path("meldingen/", views.inbox, name="inbox"),
    path("mijn-berichten/", views.message_settings, name="message_settings"),
    # the on-call rota of one's organisation (R12, R13, R34)
    path("wachtdienst/", oncall_views.rota, name="oncall"),
    path("wachtdienst/contact-materniteit/", oncall_views.ward_contact, name="oncall_ward"),
    path("wachtdienst/<uuid:shift_id>/", oncall_views.shift_edit, name="oncall_shift"),
    path(
        "wachtdienst/<uuid:shift_id>/verwijderen/",
        oncall_views.shift_delete,
        name="oncall_shift_delete",
    ),
    # requests to join a network (network.joins): where "open a new record" always leads,
    # and a record's requests for its coordinator and the mother
    path("dossiers/nieuw/ontvangen/", join_views.opening, name="opening"),
    path(
        "dossiers/<uuid:public_id>/netwerk/aanvragen/",
        join_views.join_requests,
        name="join_requests",
    ),
    path(
        "dossiers/<uuid:public_id>/netwerk/aanvragen/<uuid:request_id>/",
        join_views.join_request_decide,
        name="join_request_decide",
    ),
]
