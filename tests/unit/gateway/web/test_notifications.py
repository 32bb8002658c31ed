"""/me/notifications, the header's badge and /me/settings over the fake hub: newest first,
unread marked, links to the case, marking read by a CSRF-checked form, Spanish, masked
numbers for a grantee, preferences saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import pytest

from aggregator.notify.model import AlertDetails, ChannelKind, NotificationKind, Preferences
from caseline.v1.lib.scopes import Scope
from support.notify_fakes import notification
from support.notify_gateway import (
    COURT_NUMBER,
    CSRF,
    IMMIGRATION_NUMBER,
    NotifyWorld,
    notify_gateway,
)


@pytest.fixture
async def world() -> AsyncIterator[NotifyWorld]:
    async with notify_gateway() as running:
        yield running


def _seed(world: NotifyWorld) -> list[str]:
    made = [notification("ana", "immigration", IMMIGRATION_NUMBER, "e1", minutes=1,
                         titles={"en": "Case received", "es": "Caso recibido"}),
            notification("ana", "courts", COURT_NUMBER, "c1", minutes=2,
                         action_required=True,
                         titles={"en": "Hearing moved", "es": "Audiencia cambiada"})]
    for item in made:
        world.fake.inbox.add(item)
    return [m.id for m in made]


def _badge(html: str) -> str:
    start = html.index('id="caseline-unread"')
    return html[start:html.index("</a>", start)]


async def test_the_list_is_newest_first_with_unread_marked_and_links_to_the_case(
        world: NotifyWorld) -> None:
    _seed(world)
    response = await world.page("/me/notifications")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    listed = html[html.index('id="caseline-notifications"'):html.index("<template")]
    assert listed.index("Hearing moved") < listed.index("Case received")
    assert listed.count("caseline-notification--unread") == 2
    assert '<a class="usa-link caseline-notification__title" href="/me?agency=courts#events">' \
           "Hearing moved</a>" in listed
    assert f"Immigration Court, {COURT_NUMBER}" in listed and "Action required" in listed
    assert 'action="/me/notifications/read"' in listed and f'value="{CSRF}"' in listed


async def test_every_signed_in_page_shows_the_unread_count_in_the_header(
        world: NotifyWorld) -> None:
    _seed(world)
    for path in ("/me/notifications", "/me/settings", "/me/consents"):
        html = (await world.page(path)).text
        assert 'data-count="2"' in _badge(html), path
        assert '<script src="/static/notifications.js" defer></script>' in html


async def test_no_unread_hides_the_badge_and_notifications_off_drops_it() -> None:
    async with notify_gateway() as world:
        html = (await world.page("/me/notifications")).text
        assert 'data-count="0" hidden' in _badge(html)
        assert "No notifications yet." in html
    async with notify_gateway(running=False) as world:
        html = (await world.page("/me/notifications")).text
        assert 'id="caseline-unread"' not in html and "notifications.js" not in html
        assert "Notifications are not running on this server." in html


async def test_mark_all_read_posts_back_to_the_list_with_nothing_unread(
        world: NotifyWorld) -> None:
    _seed(world)
    response = await world.post("/me/notifications/read", {"csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == "/me/notifications"
    assert world.fake.inbox.unread_count("ana") == 0
    html = (await world.page("/me/notifications")).text
    assert "caseline-notification--unread" not in html.split("<template")[0]


async def test_one_item_can_be_marked_read(world: NotifyWorld) -> None:
    ids = _seed(world)
    await world.post("/me/notifications/read", {"csrf_token": CSRF, "id": ids[1]})
    assert world.fake.inbox.unread_count("ana") == 1
    assert world.fake.inbox.items["ana"][ids[1]].read


async def test_marking_read_without_the_csrf_token_is_refused(world: NotifyWorld) -> None:
    _seed(world)
    response = await world.post("/me/notifications/read", {"csrf_token": "forged"})
    assert response.status_code == 403
    assert world.fake.inbox.unread_count("ana") == 2


async def test_marking_someone_elses_id_leaves_it_unread(world: NotifyWorld) -> None:
    ids = _seed(world)
    await world.post("/me/notifications/read", {"csrf_token": CSRF, "id": ids[0]},
                     who="raj")
    assert world.fake.inbox.unread_count("ana") == 2


async def test_in_spanish_the_titles_and_agency_names_are_spanish(world: NotifyWorld) -> None:
    _seed(world)
    html = (await world.page("/me/notifications?lang=es")).text
    assert "Audiencia cambiada" in html and "Tribunal de Inmigración" in html
    assert "Marcar todas como leídas" in html and "no leídas" in _badge(html)


async def test_times_are_written_in_the_readers_language(world: NotifyWorld) -> None:
    """Each item's time in words (Babel), its machine-readable form kept in datetime."""
    _seed(world)
    english = (await world.page("/me/notifications")).text
    spanish = (await world.page("/me/notifications?lang=es")).text
    assert '<time datetime="2026-05-01T14:02:00+00:00">May 1, 2026, 2:02\u202fPM UTC</time>' \
        in english
    assert '<time datetime="2026-05-01T14:02:00+00:00">1 de mayo de 2026, 14:02 UTC</time>' \
        in spanish
    assert "2026-05-01 14:02" not in english + spanish


async def test_a_grantee_sees_an_a_number_masked_and_a_link_to_the_client(
        world: NotifyWorld) -> None:
    await world.grant_lee(Scope.STATUS)
    world.fake.inbox.add(notification("lee", "courts", COURT_NUMBER, "c1", subject="ana"))
    html = (await world.page("/me/notifications", who="lee")).text
    assert "A•••••5123" in html and COURT_NUMBER not in html
    assert 'href="/clients/ana"' in html


async def test_pages_go_back_with_older_and_a_bad_page_shows_the_newest(
        world: NotifyWorld) -> None:
    for minute in range(25):
        world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER,
                                          f"e{minute}", minutes=minute))
    first = (await world.page("/me/notifications")).text
    assert first.count('class="caseline-notification caseline-notification--unread"') == 20
    older = first[first.index("/me/notifications?after="):].split('"')[0]
    second = (await world.page(older.replace("&amp;", "&"))).text
    assert second.count('class="caseline-notification caseline-notification--unread"') == 5
    bad = await world.page("/me/notifications?after=nope")
    assert bad.status_code == 400
    assert "That page of notifications does not exist." in bad.text


async def test_the_intro_speaks_of_clients_to_a_representative_only(
        world: NotifyWorld) -> None:
    """An applicant's page says it lists changes to their cases; a representative's also
    names the cases their clients' consents let them follow."""
    ana = (await world.page("/me/notifications")).text
    assert "Changes to your cases. Newest first." in ana and "clients" not in ana
    spanish = (await world.page("/me/notifications?lang=es")).text
    assert "Cambios en sus casos. Los más recientes primero." in spanish
    lee = (await world.page("/me/notifications", who="lee")).text
    assert "and to cases your clients&#39; consents let you follow" in lee


async def test_an_auditor_has_no_notifications_page(world: NotifyWorld) -> None:
    response = await world.page("/me/notifications", who="audrey")
    assert response.status_code == 403


async def test_signed_out_visitors_are_sent_to_sign_in(world: NotifyWorld) -> None:
    world.client.cookies.clear()
    response = await world.client.get("/me/notifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/me/notifications"


async def test_settings_show_in_app_always_on_and_the_stored_choices(
        world: NotifyWorld) -> None:
    world.fake.preferences.set_preferences("ana", Preferences(
        channels=frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL}),
        agencies=frozenset({"courts"}), only_action_required=True))
    html = (await world.page("/me/settings")).text
    assert 'id="channel-in-app" type="checkbox" checked disabled' in html
    assert 'name="channel" value="email" checked' in html
    assert 'name="channel" value="webhook" aria' in html
    assert 'value="courts" checked' in html and 'value="immigration">' in html
    assert 'name="only_action_required" value="yes" checked' in html
    assert 'name="email_details" value="yes" aria' in html


async def test_settings_are_saved_and_the_page_says_so(world: NotifyWorld) -> None:
    response = await world.post("/me/settings", {
        "csrf_token": CSRF, "channel": ["email", "webhook"],
        "agency": ["immigration", "courts"], "email_details": "yes"})
    assert response.status_code == 303
    assert response.headers["location"] == "/me/settings?saved=1"
    assert world.fake.preferences.preferences("ana") == Preferences(
        channels=frozenset(ChannelKind), agencies=None, only_action_required=False,
        email_details=True)
    html = (await world.page("/me/settings?saved=1")).text
    assert "Your notification settings are saved." in html


async def test_e_mail_for_no_agency_is_refused_naming_the_field(world: NotifyWorld) -> None:
    response = await world.post("/me/settings", {"csrf_token": CSRF, "channel": "email"})
    assert response.status_code == 400
    assert '<a href="#agency-immigration">Choose at least one agency, or turn e-mail and ' \
           "webhooks off.</a>" in response.text
    assert world.fake.preferences.stored == {}


async def test_a_value_not_offered_is_refused(world: NotifyWorld) -> None:
    response = await world.post("/me/settings", {"csrf_token": CSRF, "channel": "sms",
                                                 "agency": "courts"})
    assert response.status_code == 400
    assert "Choose e-mail, webhooks or neither." in response.text
    response = await world.post("/me/settings", {"csrf_token": CSRF, "agency": "moon"})
    assert "Choose agencies from the list." in response.text


async def test_settings_without_the_csrf_token_are_refused(world: NotifyWorld) -> None:
    response = await world.post("/me/settings", {"csrf_token": "x", "channel": "email",
                                                 "agency": "courts"})
    assert response.status_code == 403
    assert world.fake.preferences.stored == {}


async def test_only_in_app_for_no_agency_is_a_valid_choice(world: NotifyWorld) -> None:
    response = await world.post("/me/settings", {"csrf_token": CSRF})
    assert response.status_code == 303
    assert world.fake.preferences.preferences("ana") == Preferences(
        agencies=frozenset())


async def test_an_alert_is_listed_with_its_title_in_the_readers_language(
        world: NotifyWorld) -> None:
    """A deadline alert on the page: its title from the catalog, linked to the case."""
    alert = replace(notification("ana", "courts", COURT_NUMBER, "alert:x", minutes=3,
                                 titles={}, category="", milestone="", action_required=True),
                    kind=NotificationKind.DEADLINE_7,
                    alert=AlertDetails(date(2026, 5, 8), "BIA_APPEAL", "8 CFR 1003.38(b)"))
    world.fake.inbox.add(alert)
    html = (await world.page("/me/notifications")).text
    assert ('href="/me?agency=courts#events">Deadline in 7 days: appeal to the Board of '
            "Immigration Appeals by May 8, 2026 (appeal period, 8 CFR 1003.38(b))</a>") in html


async def test_the_timeline_has_a_live_region_for_new_changes_in_the_readers_language(
        ) -> None:
    """/me carries the polite live region the script writes new changes into, with the
    catalog's sentence in the page's language; none when notifications are off."""
    async with notify_gateway() as world:
        english = (await world.page("/me")).text
        spanish = (await world.page("/me?lang=es")).text
    region = ('<div class="caseline-timeline-live" id="caseline-timeline-live" '
              'aria-live="polite" data-template="{}"></div>')
    assert region.format("New: {title} at {agency} — {when}") in english
    assert region.format("Nuevo: {title} en {agency} — {when}") in spanish
    assert 'id="caseline-timeline-new-template"' in english
    async with notify_gateway(running=False) as world:
        off = (await world.page("/me")).text
    assert "caseline-timeline-live" not in off and "notifications.js" not in off
