import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from fixboard.core.compiled import CompiledQuery
from fixboard.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def by_slug(slug, min_id):
    return Jurisdiction.objects.filter(slug=slug, id__gte=min_id).values("id", "name")


def test_each_call_runs_the_sql_compiled_once_with_its_own_values():
    first = Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    Jurisdiction.objects.create(slug="south", name="South", timezone="UTC")
    query = CompiledQuery(by_slug, slug="\x00slug", min_id=-311)
    assert query.first(slug="south", min_id=0)["name"] == "South"
    with CaptureQueriesContext(connection) as queries:
        assert query.first(slug="north", min_id=0) == {"id": first.pk, "name": "North"}
        assert query.first(slug="north", min_id=first.pk + 1) is None
        assert query.all(slug="east", min_id=0) == []
    assert len(queries) == 3


def test_a_stand_in_that_never_reaches_the_sql_is_refused():
    # lower() is applied in Python: the stand-in's value never appears as a parameter.
    query = CompiledQuery(
        lambda slug: Jurisdiction.objects.filter(slug=slug.lower()).values("id"), slug="\x00SLUG"
    )
    with pytest.raises(ValueError, match="slug"):
        query.first(slug="north")


def test_annotations_come_back_under_their_names():
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    query = CompiledQuery(
        lambda slug: Jurisdiction.objects.filter(slug=slug).values("slug", marker=Value(7)),
        slug="\x00slug",
    )
    assert query.all(slug="north") == [{"slug": "north", "marker": 7}]
