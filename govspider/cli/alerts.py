"""``govspider alerts``: webhook alerts (test the receivers, send new veto findings)."""

from __future__ import annotations

import click

from govspider.alerts import Alert, Receiver, alert_new_vetoes, send
from govspider.cli.context import (
    Failure,
    alert_receivers,
    connect,
    dumps,
    load_settings,
    split_pairs,
)


@click.group()
def alerts() -> None:
    """Webhook alerts (generic JSON, WeCom, DingTalk, Feishu): new veto findings and unhealthy
    crawls. Receivers come from the GOVSPIDER_ALERTS setting (see govspider/alerts.py)."""


def _receivers(sets: tuple[str, ...]) -> list[Receiver]:
    found = alert_receivers(load_settings(split_pairs(sets, "-s")))
    if not found:
        raise Failure("no alert receivers: set GOVSPIDER_ALERTS (e.g. -s 'GOVSPIDER_ALERTS="
                      "[{\"url_env\": \"MY_HOOK_URL\", \"format\": \"wecom\"}]')")
    return found


@alerts.command("test")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Setting (GOVSPIDER_ALERTS=...).")
def alerts_test(sets: tuple[str, ...]) -> None:
    """Send a test message to every receiver; exit 1 when one did not take it."""
    alert = Alert(event="test", title="【政务新媒体监测】告警通道测试",
                  lines=["这是一条测试消息：收到即表示告警通道配置正确。"])
    failed = []
    for receiver in _receivers(sets):
        result = send(alert, receiver)
        click.echo(f"{receiver.host} ({receiver.format}): "
                   f"{'delivered' if result.ok else 'FAILED: ' + str(result.error)}")
        if not result.ok:
            failed.append(receiver.host)
    if failed:
        raise Failure(f"alert not delivered to {', '.join(failed)}")


@alerts.command("send")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Setting (GOVSPIDER_ALERTS=...).")
def alerts_send(sets: tuple[str, ...]) -> None:
    """Send the veto findings of the corpus not alerted yet (each is sent once)."""
    receivers = _receivers(sets)
    with connect(load_settings()) as conn:
        result = alert_new_vetoes(conn.db, receivers)
    click.echo(dumps(result))
    if result["failed"]:
        raise Failure("; ".join(map(str, result["failed"])))
