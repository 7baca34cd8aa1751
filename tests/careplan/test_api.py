"""The care plan over the API: the ETag names the version, a write needs If-Match (428
without, 412 when stale), and fifty writers at once leave versions without gaps."""

import threading

import pytest
from django.db import connection

from careplan.models import PlanVersion
from tests.api.conftest import token_client
from tests.personas import build_network


def url(network):
    return f"/api/dossiers/{network.a.public_id}/careplan/"


def read(client, network):
    response = client.get(url(network))
    return response, response.json()["content"]


@pytest.mark.django_db
def test_read_then_write_with_the_etag():
    network = build_network()
    client = token_client(network.users["mother"])
    response, plan = read(client, network)
    assert response["ETag"] == '"v0"' and plan["preferences"]["stay"] == "undecided"
    plan["preferences"]["stay"] = "short"
    missing = client.put(url(network), plan, format="json")
    assert missing.status_code == 428
    saved = client.put(
        url(network), {**plan, "reason": "na de consultatie"}, format="json", HTTP_IF_MATCH='"v0"'
    )
    assert saved.status_code == 200 and saved["ETag"] == '"v1"'
    stale = client.put(url(network), plan, format="json", HTTP_IF_MATCH='"v0"')
    assert stale.status_code == 412 and "version 1" in stale.json()["detail"]
    versions = client.get(url(network) + "versions/").json()
    assert versions["count"] == 1 and versions["results"][0]["reason"] == "na de consultatie"
    assert client.get(url(network) + "versions/1/").json()["by_mother"] is True


@pytest.mark.django_db
def test_who_may_read_and_write_over_the_api():
    network = build_network()
    assert token_client(network.users["assistant"]).get(url(network)).status_code == 200
    _response, plan = read(token_client(network.users["assistant"]), network)
    plan["expected_course"] = "?"
    refused = token_client(network.users["assistant"]).put(
        url(network), plan, format="json", HTTP_IF_MATCH='"v0"'
    )
    assert refused.status_code == 403
    assert token_client(network.users["outsider"]).get(url(network)).status_code == 404
    bad = token_client(network.users["coordinator"]).put(
        url(network), {**plan, "discharge_notify": ["someone"]}, format="json", HTTP_IF_MATCH='"v0"'
    )
    assert bad.status_code == 400 and bad.json()["discharge_notify"]


@pytest.mark.django_db(transaction=True)
def test_fifty_writers_at_once_leave_versions_without_gaps_or_duplicates():
    network = build_network()
    writers, barrier = 50, threading.Barrier(50, timeout=60)
    outcomes, conflicts = [], []
    # the two writers' tokens exist before the threads start (creating one per thread races)
    token_client(network.users["mother"])
    token_client(network.users["coordinator"])

    def write(index):
        try:
            client = token_client(network.users["mother" if index % 2 else "coordinator"])
            barrier.wait()
            while True:
                response, plan = read(client, network)
                plan["expected_course"] = f"Schrijver {index}"
                result = client.put(
                    url(network), plan, format="json", HTTP_IF_MATCH=response["ETag"]
                )
                if result.status_code != 412:
                    outcomes.append(result.status_code)
                    return
                conflicts.append(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [200] * writers
    numbers = list(PlanVersion.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, writers + 1))
    assert conflicts  # they really did collide
