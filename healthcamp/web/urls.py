from django.contrib.auth import views as auth_views
from django.urls import path

from healthcamp.web import consent_views, station_views, views

app_name = "web"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
]
