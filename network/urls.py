from django.urls import path

from network import views

app_name = "network"

urlpatterns = [
    path("dossiers/<uuid:public_id>/netwerk/", views.manage, name="manage"),
    path("dossiers/<uuid:public_id>/netwerk/toevoegen/", views.add_member, name="add_member"),
    path("dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/beeindigen/",
         views.end_member, name="end_member"),
    path("dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/vervangen/",
         views.replace_member, name="replace_member"),
    path("dossiers/<uuid:public_id>/netwerk/<uuid:membership_id>/coordinator/",
         views.hand_over, name="hand_over"),
    path("dossiers/<uuid:public_id>/netwerk/account-moeder/", views.invite_mother,
         name="invite_mother"),
    path("dossiers/<uuid:public_id>/wie-ziet-wat/", views.consent, name="consent"),
    path("dossiers/<uuid:public_id>/wie-bekeek-mijn-dossier/", views.access_log,
         name="access_log"),
    path("dossiers/<uuid:public_id>/zorgsignaal/", views.concerns, name="concerns"),
    path("dossiers/<uuid:public_id>/zorgsignaal/<uuid:concern_id>/", views.concern_acknowledge,
         name="concern_acknowledge"),
    path("meldingen/", views.inbox, name="inbox"),
    path("mijn-berichten/", views.message_settings, name="message_settings"),
]
