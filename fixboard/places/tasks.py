"""Background work of the places app."""

from django_tasks import task

from .streets import learn_new_streets


@task()
def learn_streets(jurisdiction_id: int) -> int:
    """Learn the streets of the addresses a bulk import wrote; returns how many were new."""
    return learn_new_streets(jurisdiction_id)
