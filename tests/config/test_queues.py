from celery import current_app

from config.celery import all_queue_names, queue_name, use_queue_namespace
from elections.tasks import count_registrations


def test_a_worker_without_q_consumes_every_queue_tasks_are_routed_to():
    before = current_app.conf.queue_namespace
    try:
        use_queue_namespace("site-a.")
        consumed = {q.name for q in current_app.conf.task_queues}
        assert consumed == {"site-a.default", "site-a.db", "site-a.render"}
        route = current_app.amqp.router.route(
            {}, count_registrations.name, task_type=count_registrations
        )
        assert route["queue"].name == queue_name("db") == "site-a.db"
        assert route["queue"].name in consumed
    finally:
        use_queue_namespace(before)


def test_queue_names_carry_the_namespace():
    assert all_queue_names("x.") == ["x.default", "x.db", "x.render"]
