// A running live page's script (template `live.js`, published as
// /assets/gazette-live.js). Every data-live-refresh seconds it fetches the
// page again and puts the updates it does not show yet on top, with a
// polite announcement for screen readers, instead of reloading the page
// and losing the reader's place. It stops once the fetched page says
// coverage has ended, and while the tab is hidden.
(function () {
  "use strict";
  var list = document.querySelector(".live-updates");
  var root = document.querySelector("[data-live-refresh]");
  if (!list || !root || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(root.getAttribute("data-live-refresh"), 10);
  if (!(seconds >= 15)) return;
  var status = document.getElementById("live-status");
  var timer = null;
  function known() {
    var ids = {};
    list.querySelectorAll(".live-update").forEach(function (u) { ids[u.getAttribute("aria-labelledby")] = true; });
    return ids;
  }
  function look() {
    if (document.hidden) return;
    fetch(location.pathname, { cache: "no-cache", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector(".live-updates");
        if (!fresh) return;
        var ids = known();
        var added = 0;
        var first = list.firstElementChild;
        fresh.querySelectorAll(".live-update").forEach(function (u) {
          if (ids[u.getAttribute("aria-labelledby")]) return;
          list.insertBefore(document.importNode(u, true), first);
          added++;
        });
        if (added && status) status.textContent = added + (added === 1 ? " new update" : " new updates");
        if (!page.querySelector("[data-live-refresh]")) {
          clearInterval(timer);
          document.querySelectorAll(".label-live").forEach(function (badge) { badge.remove(); });
        }
      })
      .catch(function () { /* offline or a host hiccup: try again next time */ });
  }
  timer = setInterval(look, seconds * 1000);
})();
