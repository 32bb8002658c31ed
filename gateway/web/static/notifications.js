/*
 * Caseline: live notifications on signed-in pages, without a reload.
 *
 * Listens on /me/notifications/stream (Server-Sent Events, the page session's cookie): an
 * "unread" event sets the header's badge (#caseline-unread) to the count; for each
 * "notification" event it sets the badge and, on
 * /me/notifications, puts the new item at the top of the list from the page's own
 * <template>; on /me (the timeline), a line "New: <title> at <agency> — <time>" (the
 * catalog's sentence, the title a link to the case's events) at the top of the page, in a
 * polite live region. Everything is written as text (never as HTML), and the page works the
 * same without this script: a reload shows the same list and events. The CSP is script-src
 * 'self': no inline code.
 */
"use strict";

(function () {
  var badge = document.getElementById("caseline-unread");
  if (!badge || typeof window.EventSource !== "function") return;

  function setBadge(count) {
    var number = Math.max(0, Number(count) || 0);
    badge.setAttribute("data-count", String(number));
    var shown = badge.querySelector(".caseline-badge__count");
    if (shown) shown.textContent = String(number);
    badge.hidden = number === 0;
  }

  function announce(title) {
    var live = document.getElementById("caseline-live");
    if (!live) return;
    var template = live.getAttribute("data-announce") || "{title}";
    live.textContent = template.replace("{title}", title);
  }

  function field(node, name) {
    return node.querySelector('[data-field="' + name + '"]');
  }

  function safeHref(href) {
    // Only a path on this site: never another origin, never a javascript: address.
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/"
      ? href : "/me/notifications";
  }

  function prepend(item) {
    var list = document.getElementById("caseline-notifications");
    var template = document.getElementById("caseline-notification-template");
    if (!list || !template || !template.content) return;
    if (list.querySelector('[data-id="' + CSS.escape(item.id) + '"]')) return;
    var node = template.content.firstElementChild.cloneNode(true);
    node.setAttribute("data-id", item.id);
    var title = field(node, "title");
    title.textContent = item.title;
    title.setAttribute("href", safeHref(item.href));
    field(node, "agency").textContent = item.agency;
    field(node, "caseNumber").textContent = item.caseNumber;
    var when = field(node, "when");
    when.textContent = item.when;
    when.setAttribute("datetime", item.at);
    field(node, "id").value = item.id;
    field(node, "buttonTitle").textContent = ": " + item.title;
    field(node, "action").hidden = !item.actionRequired;
    list.insertBefore(node, list.firstChild);
    var empty = document.getElementById("caseline-notifications-empty");
    if (empty) empty.hidden = true;
  }

  // The catalog's sentence with its placeholders filled as text, the title a link: word
  // order is the translation's.
  function fillLine(container, sentence, item) {
    sentence.split(/(\{title\}|\{agency\}|\{when\})/).forEach(function (part) {
      var node;
      if (part === "{title}") {
        node = document.createElement("a");
        node.className = "usa-link";
        node.setAttribute("href", safeHref(item.href));
        node.textContent = item.title;
      } else if (part === "{when}") {
        node = document.createElement("time");
        node.setAttribute("datetime", item.at);
        node.textContent = item.when;
      } else if (part === "{agency}") {
        node = document.createTextNode(item.agency);
      } else if (part) {
        node = document.createTextNode(part);
      }
      if (node) container.appendChild(node);
    });
  }

  // On /me: the new event's line at the top of the page. False on other pages.
  function showOnTimeline(item) {
    var region = document.getElementById("caseline-timeline-live");
    var template = document.getElementById("caseline-timeline-new-template");
    if (!region || !template || !template.content) return false;
    if (region.querySelector('[data-id="' + CSS.escape(item.id) + '"]')) return true;
    var node = template.content.firstElementChild.cloneNode(true);
    node.setAttribute("data-id", item.id);
    fillLine(field(node, "line"), region.getAttribute("data-template") || "{title}", item);
    region.insertBefore(node, region.firstChild);
    return true;
  }

  // The newest item the list shows, so that one delivered while the page loaded is sent.
  var list = document.getElementById("caseline-notifications");
  var since = list ? list.getAttribute("data-since") : null;
  var source = new EventSource("/me/notifications/stream" +
    (since ? "?since=" + encodeURIComponent(since) : ""));
  source.addEventListener("unread", function (event) {
    try {
      setBadge(JSON.parse(event.data).unread);
    } catch (error) {
      // a malformed count changes nothing
    }
  });
  source.addEventListener("notification", function (event) {
    var item;
    try {
      item = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    setBadge(item.unread);
    prepend(item);
    // The timeline's own region is live: announcing it again would say it twice.
    if (!showOnTimeline(item)) announce(item.title);
  });
  // The browser reconnects by itself after a dropped connection; a refusal (signed out,
  // notifications off) closes the source for good, and the page stays as it is.
  window.addEventListener("pagehide", function () { source.close(); });
})();
