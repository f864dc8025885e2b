// The search page's script (template `search.js`, published as
// /assets/gazette-search.js): a file of its own, not inline, so a strict
// Content-Security-Policy (script-src 'self') allows it. It reads the
// index's URL from the results list's data-index attribute.
(function () {
  "use strict";
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var index = null;
  function words(text) { return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").split(/[^\p{L}\p{N}]+/u).filter(Boolean); }
  function show(query) {
    list.textContent = "";
    var terms = words(query);
    if (!index || terms.join("").length < 2) { status.textContent = index ? "Type at least two letters." : "Loading…"; return; }
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var entry = index[i];
      var title = words(entry.title).join(" ");
      var haystack = title + " " + words((entry.section || "") + " " + entry.summary).join(" ");
      var score = 0, all = true;
      for (var t = 0; t < terms.length; t++) {
        if (haystack.indexOf(terms[t]) < 0) { all = false; break; }
        score += title.indexOf(terms[t]) >= 0 ? 3 : 1;
      }
      if (all) hits.push({ entry: entry, score: score, order: i });
    }
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    status.textContent = hits.length + (hits.length === 1 ? " article" : " articles") + " found";
    hits.slice(0, 50).forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.entry.url;
      link.textContent = hit.entry.title;
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = [hit.entry.section, new Date(hit.entry.date).toLocaleDateString(document.documentElement.lang, { year: "numeric", month: "long", day: "numeric" })].filter(Boolean).join(" · ");
      var summary = document.createElement("p");
      summary.textContent = hit.entry.summary;
      item.appendChild(link); item.appendChild(meta); item.appendChild(summary);
      list.appendChild(item);
    });
  }
  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () {
    var url = new URL(location.href);
    if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    show(input.value);
  });
  fetch(list.getAttribute("data-index")).then(function (r) { return r.json(); }).then(function (data) { index = data; show(input.value); })
    .catch(function () { status.textContent = "The search index could not be loaded."; });
})();
