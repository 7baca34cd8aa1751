from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from config import health, metrics, pwa, signin_views, views
from network.forms import OutboxPasswordResetForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dossier:dashboard", permanent=False)),
    path(
        "aanmelden/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("aanmelden/code/", signin_views.verify_code, name="signin_code"),
    path("aanmelden/instellen/", signin_views.set_up_device, name="signin_setup"),
    path("afmelden/", auth_views.LogoutView.as_view(), name="logout"),
    # Choosing a password: the mother's invitation link and "forgot your password?".
    path(
        "wachtwoord/vergeten/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path(
        "wachtwoord/vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord/nieuw/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord/nieuw/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # the installable web app: a visit saved offline waits on the phone (config/pwa.py)
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_sw"),
    path("offline/", pwa.offline, name="pwa_offline"),
    # the signed-in user's name and language (config/views.py): the offline app, the load bench
    path("ik.json", views.who_am_i, name="whoami"),
    path("dossiers/", include("dossier.urls")),
    path("", include("careplan.urls")),
    path("", include("ebirth.urls")),
    path("api/", include("config.api_urls")),
    path("", include("network.urls")),
    path("beheer/", admin.site.urls),
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    path("healthz", health.ready, name="healthz"),  # the readiness check, for existing LBs
    path("metrics", metrics.metrics, name="metrics"),  # internal: allowed IPs or a token
]

# Errors: JSON under /api/, the site's pages elsewhere (config/errors.py)
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
