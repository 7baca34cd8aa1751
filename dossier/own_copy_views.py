"""The mother's own copy of her record: one download, hers alone (``dossier.own_copy``)."""

from django.http import HttpResponse

from dossier import own_copy
from network.boundary import OWN_RECORD, VISIBLE, dossier_route
from network.models import Action


@dossier_route(shows=VISIBLE, needs=OWN_RECORD)
def own_copy_download(request, route):
    """A ZIP with the FHIR R4 Bundle and the readable PDF; the boundary logs the download of
    every section she sees (all of them)."""
    data = own_copy.own_copy(route.dossier, reader=request.user)
    route.action = Action.DOWNLOAD
    response = HttpResponse(data, content_type="application/zip")
    name = f"mijn-dossier-{str(route.dossier.public_id)[:8]}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
