from django.contrib.auth import views as auth_views
from django.urls import path

from healthcamp.web import (
    consent_views,
    followup_views,
    import_templates,
    import_views,
    language_views,
    pin_reset_views,
    portal_views,
    report_views,
    station_device,
    station_views,
    two_factor_views,
    views,
)

app_name = "web"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("login/code/", two_factor_views.second_factor, name="second_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language_views.choose, name="staff_language"),
    path("", views.desk, name="desk"),
    path("find/card/", views.find_by_card, name="find_card"),
    path("find/name/", views.find_by_name, name="find_name"),
    path("participants/new/", views.register, name="register"),
    path("participants/<uuid:participant_id>/", views.participant, name="participant"),
    path("participants/<uuid:participant_id>/card/", views.card, name="card"),
    path(
        "participants/<uuid:participant_id>/consent/",
        consent_views.record,
        name="consent",
    ),
    path(
        "participants/<uuid:participant_id>/consent/withdraw/",
        consent_views.withdraw,
        name="withdraw",
    ),
    path(
        "participants/<uuid:participant_id>/erase/",
        consent_views.erase,
        name="erase",
    ),
    path(
        "participants/<uuid:participant_id>/letter/",
        consent_views.letter,
        name="letter",
    ),
    path("station/", station_device.choose, name="station_device"),
    path("station/scan/", station_views.scan, name="station_scan"),
    path(
        "participants/<uuid:participant_id>/station/",
        station_views.start,
        name="station_start",
    ),
    path(
        "participants/<uuid:participant_id>/station/<uuid:encounter_id>/",
        station_views.station,
        name="station",
    ),
    path("programmes/<int:programme_id>/", consent_views.programme, name="programme"),
    path("programmes/<int:programme_id>/import/", import_views.results, name="import_results"),
    path(
        "programmes/<int:programme_id>/import/registrations/",
        import_views.registrations,
        name="import_registrations",
    ),
    path(
        "programmes/<int:programme_id>/import/jobs/<uuid:job_id>/",
        import_views.job,
        name="import_job",
    ),
    path(
        "programmes/<int:programme_id>/import/jobs/<uuid:job_id>/progress/",
        import_views.job_progress,
        name="import_job_progress",
    ),
    path(
        "programmes/<int:programme_id>/import/template/",
        import_templates.download,
        name="import_template",
    ),
    path(
        "participants/<uuid:participant_id>/returned/",
        followup_views.results_returned,
        name="results_returned",
    ),
    path(
        "programmes/<int:programme_id>/unreturned/",
        followup_views.unreturned,
        name="unreturned",
    ),
    path(
        "programmes/<int:programme_id>/referrals/",
        followup_views.referral_list,
        name="referrals",
    ),
    path("referrals/<uuid:referral_id>/", followup_views.referral_note, name="referral_note"),
    path("programmes/<int:programme_id>/reports/", report_views.dashboard, name="reports"),
    path(
        "programmes/<int:programme_id>/reports/report.<str:fmt>",
        report_views.download,
        name="reports_download",
    ),
    # The participant portal: public, signed in with the card, not with a staff account.
    path("me/", portal_views.sign_in, name="portal"),
    path("me/record/", portal_views.record, name="portal_record"),
    path("me/record.fhir.json", portal_views.download, name="portal_download"),
    path("me/record/proof/<int:seq>/", portal_views.entry_proof, name="portal_entry_proof"),
    path("me/withdraw/", portal_views.withdraw, name="portal_withdraw"),
    path("me/pin/", portal_views.pin, name="portal_pin"),
    path("participants/<uuid:participant_id>/pin-reset/", pin_reset_views.reset, name="pin_reset"),
    path("me/sign-out/", portal_views.sign_out, name="portal_sign_out"),
]
