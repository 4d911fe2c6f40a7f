"""The order of a rebuild's statements: each table's index builds (at once), then its
statistics and key checks (one by one), beside the other tables' work."""

from fixboard.reports.importing.rebuild import Rebuild, TableWork, helpers_per_build


def test_a_tables_checks_wait_for_all_of_its_builds_while_other_tables_go_on():
    requests = TableWork(builds=["index r1", "index r2"], after=["check r"])
    areas = TableWork(builds=["index a1"], after=["check a"])
    rebuild = Rebuild({"requests": requests, "areas": areas})
    # The table with the most work first; its two builds run at once.
    assert [rebuild.take(), rebuild.take()] == [(requests, "index r1"), (requests, "index r2")]
    # Its check must wait for them: the other table's build goes on meanwhile.
    assert rebuild.take() == (areas, "index a1")
    rebuild.done(areas)
    assert rebuild.take() == (areas, "check a")
    rebuild.done(requests)
    rebuild.done(requests)
    assert rebuild.take() == (requests, "check r")
    rebuild.done(areas)
    rebuild.done(requests)
    assert rebuild.take() is None


def test_after_a_failure_nothing_more_is_handed_out():
    table = TableWork(builds=["index 1", "index 2"])
    rebuild = Rebuild({"requests": table})
    taken, _ = rebuild.take()
    rebuild.done(taken, failed=True)
    assert rebuild.take() is None


def test_builds_on_a_server_of_this_machine_share_its_cores_and_a_remote_server_decides():
    # Two builds at once: on two cores, no parallel workers beside them.
    assert helpers_per_build("127.0.0.1", 2) == 0
    assert helpers_per_build("", 8) == 3
    assert helpers_per_build("/var/run/postgresql", 4) == 1
    assert helpers_per_build("db.city.example", 2) is None
