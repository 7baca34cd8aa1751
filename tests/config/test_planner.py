"""Every connection plans for data in memory or on SSD (``config.database.planner_options``,
issue 16): ``random_page_cost`` 1.1 whichever server it reaches, ``PG_RANDOM_PAGE_COST``
another value, empty the server's own."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.database import RANDOM_PAGE_COST, planner_options, with_planner_options


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
    assert with_planner_options({"NAME": "x"}) == {"NAME": "x"}  # no options at all


@pytest.mark.parametrize("value", ["0", "-1", "fast", "1; DROP TABLE x", "nan", "inf", "1e999"])
def test_a_cost_that_is_no_positive_number_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", value)
    with pytest.raises(ImproperlyConfigured, match="PG_RANDOM_PAGE_COST"):
        planner_options()


def test_options_already_given_are_kept(monkeypatch):
    monkeypatch.delenv("PG_RANDOM_PAGE_COST", raising=False)
    settings = with_planner_options({"OPTIONS": {"options": "-c statement_timeout=5000"}})
    assert settings["OPTIONS"]["options"] == ("-c statement_timeout=5000 -c random_page_cost=1.1")
