from django.urls import include, path

from healthcamp.api.app import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("healthcamp.web.urls")),
]
