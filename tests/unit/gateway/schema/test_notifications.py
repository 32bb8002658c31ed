"""viewer.notifications, viewer.unreadNotifications and markNotificationsRead over the
fake hub: newest first, unread counted, the language asked for, masked numbers for a
grantee without IDENTITY, only one's own marked, bounded input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from aggregator.consent.vocabulary import ConsentState
from aggregator.notify.model import AlertDetails, NotificationKind
from caseline.v1.lib.scopes import Scope
from support.notify_fakes import notification
from support.notify_gateway import COURT_NUMBER, IMMIGRATION_NUMBER, NotifyWorld, notify_gateway

LIST = """query($language: Language, $first: Int = 20, $after: String) {
  viewer {
    unreadNotifications
    notifications(language: $language, first: $first, after: $after) {
      id at read subject agency { id name } caseNumber title category milestone
      actionRequired
    }
  }
}"""
MARK = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) { id read } }"


@pytest.fixture
async def world() -> AsyncIterator[NotifyWorld]:
    async with notify_gateway() as running:
        yield running


def _viewer(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    viewer: dict[str, Any] = body["data"]["viewer"]
    return viewer


def _seed(world: NotifyWorld) -> list[str]:
    """Three of ana's notifications, the courts one newest; their ids oldest first."""
    made = [notification("ana", "immigration", IMMIGRATION_NUMBER, "e1", minutes=1),
            notification("ana", "immigration", IMMIGRATION_NUMBER, "e2", minutes=2,
                         action_required=True),
            notification("ana", "courts", COURT_NUMBER, "c1", minutes=3,
                         category="ACTIVE", milestone="HEARING_SCHEDULED",
                         titles={"en": "Hearing scheduled", "es": "Audiencia programada"})]
    for item in made:
        world.fake.inbox.add(item)
    return [m.id for m in made]


async def test_notifications_are_newest_first_unread_and_counted(world: NotifyWorld) -> None:
    """The list is newest first, every item unread, and the count says three."""
    ids = _seed(world)
    viewer = _viewer(await world.gql("ana", LIST))
    assert viewer["unreadNotifications"] == 3
    listed = viewer["notifications"]
    assert [n["id"] for n in listed] == ids[::-1]
    assert all(n["read"] is False for n in listed)
    newest = listed[0]
    assert newest["agency"] == {"id": "courts", "name": "Immigration Court"}
    assert newest["caseNumber"] == COURT_NUMBER  # her own case: whole
    assert newest["title"] == "Hearing scheduled"
    assert (newest["category"], newest["milestone"]) == ("ACTIVE", "HEARING_SCHEDULED")
    assert newest["at"] == "2026-05-01T14:03:00+00:00"
    assert listed[1]["actionRequired"] is True and listed[2]["actionRequired"] is False


async def test_the_language_argument_wins_over_accept_language(world: NotifyWorld) -> None:
    """language: ES titles Spanish even when the request prefers English, and back."""
    _seed(world)
    spanish = _viewer(await world.gql("ana", LIST, "en", language="ES"))
    assert spanish["notifications"][0]["title"] == "Audiencia programada"
    assert spanish["notifications"][0]["agency"]["name"] == "Tribunal de Inmigración"
    english = _viewer(await world.gql("ana", LIST, "es", language="EN"))
    assert english["notifications"][0]["title"] == "Hearing scheduled"
    by_header = _viewer(await world.gql("ana", LIST, "es"))
    assert by_header["notifications"][0]["title"] == "Audiencia programada"


async def test_an_unmapped_change_says_only_that_the_case_changed(world: NotifyWorld) -> None:
    """No mapped title: the title names the agency and says the case changed."""
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "u1",
                                      titles={}, category="UNSPECIFIED",
                                      milestone="UNSPECIFIED"))
    listed = _viewer(await world.gql("ana", LIST, language="ES"))["notifications"]
    assert listed[0]["title"] == "Su caso en Agencia de Inmigración cambió"
    assert listed[0]["category"] is None and listed[0]["milestone"] is None


async def test_a_grantee_without_identity_sees_a_court_number_masked(
        world: NotifyWorld) -> None:
    """lee, with STATUS at courts, gets ana's A-number masked; with IDENTITY, whole."""
    await world.grant_lee(Scope.STATUS)
    world.fake.inbox.add(notification("lee", "courts", COURT_NUMBER, "c1", subject="ana"))
    listed = _viewer(await world.gql("lee", LIST))["notifications"]
    assert listed[0]["caseNumber"] == "A•••••5123"
    assert listed[0]["subject"] == "ana"
    await world.grant_lee(Scope.STATUS, Scope.IDENTITY)
    listed = _viewer(await world.gql("lee", LIST))["notifications"]
    assert listed[0]["caseNumber"] == COURT_NUMBER


async def test_after_a_consent_is_revoked_even_an_immigration_number_is_masked(
        world: NotifyWorld) -> None:
    """Revoked: no consent covers the agency any more, so the number is masked."""
    consent = await world.grant_lee(Scope.STATUS, agencies=("immigration",))
    world.fake.inbox.add(notification("lee", "immigration", IMMIGRATION_NUMBER, "e1",
                                      subject="ana"))
    listed = _viewer(await world.gql("lee", LIST))["notifications"]
    assert listed[0]["caseNumber"] == IMMIGRATION_NUMBER
    await world.service.consents.change("ana", consent, ConsentState.REVOKED)
    listed = _viewer(await world.gql("lee", LIST))["notifications"]
    assert listed[0]["caseNumber"] == "I••••••••0001"


async def test_pages_follow_with_after_the_last_id(world: NotifyWorld) -> None:
    """first: 2, then after the second's id: the third."""
    ids = _seed(world)
    first = _viewer(await world.gql("ana", LIST, first=2))["notifications"]
    assert [n["id"] for n in first] == [ids[2], ids[1]]
    rest = _viewer(await world.gql("ana", LIST, first=2, after=first[-1]["id"]))
    assert [n["id"] for n in rest["notifications"]] == [ids[0]]


async def test_marking_read_updates_the_item_and_the_count(world: NotifyWorld) -> None:
    """Marked read: returned read, listed read, counted no more."""
    ids = _seed(world)
    body = await world.gql("ana", MARK, ids=[ids[2], ids[0]])
    assert body["data"]["markNotificationsRead"] == [{"id": ids[2], "read": True},
                                                     {"id": ids[0], "read": True}]
    viewer = _viewer(await world.gql("ana", LIST))
    assert viewer["unreadNotifications"] == 1
    assert [n["read"] for n in viewer["notifications"]] == [True, False, True]


async def test_marking_someone_elses_notification_changes_and_reveals_nothing(
        world: NotifyWorld) -> None:
    """raj's attempt on ana's id returns nothing and leaves hers unread."""
    ids = _seed(world)
    body = await world.gql("raj", MARK, ids=[ids[0], "not-an-id"])
    assert body["data"]["markNotificationsRead"] == []
    assert _viewer(await world.gql("ana", LIST))["unreadNotifications"] == 3


@pytest.mark.parametrize("first", [0, 101, -5])
async def test_first_out_of_range_is_refused_naming_the_range(world: NotifyWorld,
                                                              first: int) -> None:
    body = await world.gql("ana", LIST, first=first)
    error = body["errors"][0]
    assert error["message"] == f"first: give a number from 1 to 100, got {first}"
    assert error["extensions"] == {"code": "INVALID_INPUT", "argument": "first",
                                   "limit": 100}


async def test_first_out_of_range_is_refused_in_spanish(world: NotifyWorld) -> None:
    body = await world.gql("ana", LIST, "es", first=500)
    assert body["errors"][0]["message"] == "first: indique un número de 1 a 100, no 500"


async def test_more_than_a_hundred_ids_are_refused_before_any_is_marked(
        world: NotifyWorld) -> None:
    ids = _seed(world)
    body = await world.gql("ana", MARK, ids=ids + [f"x{i}" for i in range(98)])
    error = body["errors"][0]
    assert error["message"] == ("ids: at most 100 notification ids per request, got 101; "
                                "mark them in several requests")
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert _viewer(await world.gql("ana", LIST))["unreadNotifications"] == 3


async def test_an_overlong_id_or_cursor_is_refused_before_execution(
        world: NotifyWorld) -> None:
    body = await world.gql("ana", MARK, ids=["x" * 129])
    assert body["errors"][0]["extensions"]["code"] == "INPUT_TOO_LONG"
    body = await world.gql("ana", LIST, after="x" * 129)
    assert body["errors"][0]["extensions"] == {
        "code": "INPUT_TOO_LONG", "argument": "Viewer.notifications(after:)", "limit": 128}


async def test_an_unknown_cursor_says_what_after_expects(world: NotifyWorld) -> None:
    _seed(world)
    body = await world.gql("ana", LIST, after="nope")
    assert body["errors"][0]["message"] == (
        "after: not one of your notifications; pass the id of the last notification of "
        "the page before")


async def test_without_a_token_the_list_asks_to_sign_in(world: NotifyWorld) -> None:
    body = await world.gql(None, LIST)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await world.gql(None, MARK, ids=["a"])
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_without_notifications_running_the_list_is_empty_and_the_count_zero() -> None:
    async with notify_gateway(running=False) as world:
        viewer = _viewer(await world.gql("ana", LIST))
        assert viewer == {"unreadNotifications": 0, "notifications": []}
        body = await world.gql("ana", MARK, ids=["a"])
        assert body["data"]["markNotificationsRead"] == []


async def test_after_reaches_past_the_first_hundred(world: NotifyWorld) -> None:
    """`after` names a notification by id even deep in the list (the inbox's own cursors
    are walked)."""
    for minute in range(150):
        world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER,
                                          f"e{minute:03}", minutes=minute))
    listed = _viewer(await world.gql("ana", LIST, first=100))["notifications"]
    rest = _viewer(await world.gql("ana", LIST, first=100, after=listed[-1]["id"]))
    assert len(rest["notifications"]) == 50
    assert rest["notifications"][0]["at"] == "2026-05-01T14:49:00+00:00"


KINDS = """query($language: Language) {
  viewer { notifications(language: $language, first: 10) {
    id kind dueDate title category milestone actionRequired caseNumber } }
}"""


async def test_an_alert_has_its_kind_due_date_and_title(world: NotifyWorld) -> None:
    """A deadline alert beside a change: kind DEADLINE_30 with its due date and its title
    in the language asked for; the change is CHANGE without a due date."""
    change = notification("ana", "immigration", IMMIGRATION_NUMBER, "e1", minutes=1)
    alert = replace(notification("ana", "courts", COURT_NUMBER, "alert:x", minutes=2,
                                 titles={}, category="", milestone="",
                                 action_required=True),
                    kind=NotificationKind.DEADLINE_30,
                    alert=AlertDetails(date(2026, 5, 31), "BIA_APPEAL", "8 CFR 1003.38(b)"))
    world.fake.inbox.add(change)
    world.fake.inbox.add(alert)
    listed = _viewer(await world.gql("ana", KINDS, language="ES"))["notifications"]
    assert [(n["kind"], n["dueDate"]) for n in listed] == [("DEADLINE_30", "2026-05-31"),
                                                          ("CHANGE", None)]
    assert listed[0]["title"] == (
        "Faltan 30 días: apelar ante la Junta de Apelaciones de Inmigración a más tardar el "
        "31 de mayo de 2026 (plazo para apelar, 8 CFR 1003.38(b))")
    assert (listed[0]["category"], listed[0]["milestone"]) == (None, None)
    assert listed[0]["actionRequired"] is True and listed[0]["caseNumber"] == COURT_NUMBER
