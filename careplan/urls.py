from django.urls import path

from careplan import group_views, views

app_name = "careplan"

PLAN = "dossiers/<uuid:public_id>/zorgplan/"

urlpatterns = [
    path("zorgwacht/", views.watch, name="watch"),
    path("vandaag/", views.today, name="today"),
    path(PLAN + "gezien/", views.acknowledge, name="acknowledge"),
    path("agenda/", views.my_calendar, name="my_calendar"),
    path("agenda/<str:token>.ics", views.calendar_feed, name="feed"),
    path(PLAN, views.plan, name="plan"),
    path(PLAN + "wijzigen/", views.plan_edit, name="edit"),
    path(PLAN + "afspraken/nieuw/", views.appointment_edit, name="appointment_add"),
    path(PLAN + "afspraken/<str:appointment_id>/", views.appointment_edit, name="appointment_edit"),
    path(PLAN + "voorstel/", views.proposal, name="proposal"),
    path(PLAN + "versies/", views.versions, name="versions"),
    path(PLAN + "vergelijken/", views.compare, name="compare"),
    path(PLAN + "versies/<int:number>/terugzetten/", views.restore, name="restore"),
    path(PLAN + "versies/<int:number>/opmerking/", views.annotate, name="annotate"),
    path(PLAN + "pdf/", views.plan_pdf, name="pdf"),
    # parent groups (careplan/groups.py)
    path(PLAN + "oudergroep/", group_views.refer, name="group_refer"),
    path(
        PLAN + "oudergroep/<uuid:referral_id>/antwoord/",
        group_views.answer,
        name="group_answer",
    ),
    path(
        PLAN + "oudergroep/<uuid:referral_id>/intrekken/",
        group_views.withdraw,
        name="group_withdraw",
    ),
    path("oudergroepen/", group_views.group_list, name="groups"),
    path("oudergroepen/<uuid:group_id>/", group_views.group_detail, name="group"),
    path(
        "oudergroepen/<uuid:group_id>/sessies/<uuid:session_id>/aanwezigheid/",
        group_views.attendance,
        name="group_attendance",
    ),
]
