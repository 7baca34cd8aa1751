"""Every connection plans for data in memory or on SSD (``config.database.planner_options``,
issue 16): ``random_page_cost`` 1.1 whichever server it reaches, ``PG_RANDOM_PAGE_COST``
another value, empty the server's own."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.database import (
    PREPARE_THRESHOLD,
    RANDOM_PAGE_COST,
    planner_options,
    statement_options,
    with_planner_options,
)


@pytest.mark.django_db
def test_the_connection_plans_with_the_projects_random_page_cost():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == RANDOM_PAGE_COST == "1.1"


def test_another_value_or_the_servers_own(monkeypatch):
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", "2")
    assert planner_options() == "-c random_page_cost=2"
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", " ")
    assert planner_options() == ""
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", "")
    assert with_planner_options({"NAME": "x"}) == {"NAME": "x", "OPTIONS": {}}  # none at all


@pytest.mark.parametrize("value", ["0", "-1", "fast", "1; DROP TABLE x", "nan", "inf", "1e999"])
def test_a_cost_that_is_no_positive_number_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", value)
    with pytest.raises(ImproperlyConfigured, match="PG_RANDOM_PAGE_COST"):
        planner_options()


def test_options_already_given_are_kept(monkeypatch):
    monkeypatch.delenv("PG_RANDOM_PAGE_COST", raising=False)
    settings = with_planner_options({"OPTIONS": {"options": "-c statement_timeout=5000"}})
    assert settings["OPTIONS"]["options"] == ("-c statement_timeout=5000 -c random_page_cost=1.1")


# --- values apart from the statement, statements prepared (config.database.statement_options)


@pytest.mark.django_db
def test_values_travel_apart_and_a_statement_run_often_is_prepared_on_the_server():
    """The connection binds on the server, and the fifth run of the same statement (psycopg's
    prepare_threshold, PREPARE_THRESHOLD) leaves it prepared there; the answers stay the
    same."""
    from django.test.utils import CaptureQueriesContext

    assert PREPARE_THRESHOLD == "5"
    statement = "SELECT %s::int + 1 AS prepared_here"
    with connection.cursor() as cursor:
        answers = []
        for value in range(int(PREPARE_THRESHOLD) + 2):
            cursor.execute(statement, [value])
            answers.append(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%prepared_here%"],
        )
        assert cursor.fetchone()[0] == 1
    assert answers == list(range(1, int(PREPARE_THRESHOLD) + 3))
    assert connection.connection.prepare_threshold == int(PREPARE_THRESHOLD)
    # Django's log of the statements still shows each with its values
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute(statement, [41])
    assert queries.captured_queries[0]["sql"] == "SELECT 41::int + 1 AS prepared_here"


def test_another_threshold_or_none(monkeypatch):
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", "0")
    assert statement_options() == {"server_side_binding": True, "prepare_threshold": 0}
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", " ")
    assert statement_options() == {}
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", "")
    assert with_planner_options({"NAME": "x"}) == {"NAME": "x", "OPTIONS": {}}
    monkeypatch.delenv("PG_PREPARE_THRESHOLD")
    assert with_planner_options({"NAME": "x"})["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


@pytest.mark.parametrize("value", ["-1", "five", "1.5", "5; DISCARD ALL", "٥"])
def test_a_threshold_that_is_no_whole_number_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", value)
    with pytest.raises(ImproperlyConfigured, match="PG_PREPARE_THRESHOLD"):
        statement_options()
