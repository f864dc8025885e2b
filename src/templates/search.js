// The search page's script (template `search.js`, published as
// /assets/gazette-search.js): a file of its own, not inline, so a strict
// Content-Security-Policy (script-src 'self') allows it.
//
// It reads the split index whose meta.json the results list's data-index
// attribute names (see gazette's feeds/search.rs for the format): for each
// word typed it fetches only the words file that holds it, and for the
// results shown only their articles' files. An index that is one array of
// articles (an older /search-index.json) is searched as a whole.
(function () {
  "use strict";
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var sectionFilter = document.getElementById("search-section");
  var yearFilter = document.getElementById("search-year");
  var more = document.getElementById("search-more");
  var PAGE = 20;
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var DIGIT = {};
  for (var d = 0; d < DIGITS.length; d++) DIGIT[DIGITS[d]] = d;
  var index = null;   // { postings(word) → Promise<Map>, doc(id) → Promise, ... }
  var asked = 0;      // the newest search: older ones that finish late are dropped
  var hits = [], shown = 0;

  // Cut as gazette cuts the index (feeds/search.rs `words`): lower case,
  // accents off, split at anything but letters, digits and marks; runs of
  // Chinese or Japanese characters as pairs of neighbours.
  function unspaced(c) {
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2fa1f);
  }
  function words(text) {
    var folded = text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    var out = [];
    (folded.match(/[\p{L}\p{N}\p{M}]+/gu) || []).forEach(function (word) {
      var chars = Array.from(word), i = 0;
      while (i < chars.length) {
        var cut = unspaced(chars[i].codePointAt(0)), j = i;
        while (j < chars.length && unspaced(chars[j].codePointAt(0)) === cut) j++;
        var run = chars.slice(i, j);
        if (!cut) out.push(run.join(""));
        else if (run.length === 1) out.push(run[0]);
        else for (var k = 0; k + 1 < run.length; k++) out.push(run[k] + run[k + 1]);
        i = j;
      }
    });
    return out;
  }

  // Postings: one base-64 VLQ number an article, (gap << 1) | in_title.
  function decode(text, into) {
    var id = -1, value = 0, shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text[i]];
      value += (digit & 31) * Math.pow(2, shift);
      if (digit & 32) { shift += 5; continue; }
      id += Math.floor(value / 2);
      into.set(id, (value % 2 === 1) || into.get(id) === true);
      value = 0; shift = 0;
    }
    return into;
  }

  var files = {};
  function fetchJson(url) {
    if (!files[url]) {
      files[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
    }
    return files[url];
  }

  function splitIndex(meta, base) {
    var at = function (file) { return new URL(file, base).href; };
    return {
      meta: meta,
      // Every article with a word that starts with `prefix`: id → in title.
      postings: function (prefix) {
        var w = meta.words, k = 0;
        while (k + 1 < w.length && w[k + 1][0] <= prefix) k++;
        var wanted = [];
        for (; k < w.length && (wanted.length === 0 || w[k][0].indexOf(prefix) === 0); k++) wanted.push(fetchJson(at(w[k][1])));
        return Promise.all(wanted).then(function (parts) {
          var found = new Map();
          parts.forEach(function (part) {
            Object.keys(part).forEach(function (word) { if (word.indexOf(prefix) === 0) decode(part[word], found); });
          });
          return found;
        });
      },
      section: function (file) { return fetchJson(at(file)).then(function (text) { return decode(text, new Map()); }); },
      doc: function (id) {
        var n = Math.floor(id / meta.docs_per_file);
        return fetchJson(at("d/" + n + ".json")).then(function (docs) { return docs[id % meta.docs_per_file]; });
      }
    };
  }

  // An older index: every article in one array, newest first. It is
  // turned into the same shape, so one search runs on both.
  function wholeIndex(entries) {
    var count = entries.length, byWord = new Map(), sections = new Map(), months = new Map();
    entries.forEach(function (entry, i) {
      var id = count - 1 - i;
      words(entry.title).forEach(function (w) { (byWord.get(w) || byWord.set(w, new Map()).get(w)).set(id, true); });
      words((entry.section || "") + " " + entry.summary).forEach(function (w) {
        var m = byWord.get(w) || byWord.set(w, new Map()).get(w);
        if (!m.has(id)) m.set(id, false);
      });
      if (entry.section) (sections.get(entry.section) || sections.set(entry.section, new Map()).get(entry.section)).set(id, false);
      months.set(entry.date.slice(0, 7), id);
    });
    var meta = {
      docs: count,
      sections: Array.from(sections.keys()).sort().map(function (name) { return { name: name, file: name, count: sections.get(name).size }; }),
      months: Array.from(months.entries()).sort(function (a, b) { return a[1] - b[1]; })
    };
    return {
      meta: meta,
      postings: function (prefix) {
        var found = new Map();
        byWord.forEach(function (ids, word) {
          if (word.indexOf(prefix) === 0) ids.forEach(function (t, id) { found.set(id, t || found.get(id) === true); });
        });
        return Promise.resolve(found);
      },
      section: function (name) { return Promise.resolve(sections.get(name)); },
      doc: function (id) { return Promise.resolve(entries[count - 1 - id]); }
    };
  }

  // The ids of the articles of `year` ("" for any): months are runs of ids.
  function yearRange(meta, year) {
    if (!year) return [0, meta.docs];
    var from = meta.docs, to = meta.docs;
    meta.months.forEach(function (m, i) {
      if (m[0].slice(0, 4) !== year) return;
      from = Math.min(from, m[1]);
      to = i + 1 < meta.months.length ? meta.months[i + 1][1] : meta.docs;
    });
    return [from, to];
  }

  function fillFilters(meta) {
    var params = new URLSearchParams(location.search);
    meta.sections.forEach(function (s) {
      var option = new Option(s.name, s.name);
      sectionFilter.add(option);
    });
    var years = [];
    meta.months.forEach(function (m) { var y = m[0].slice(0, 4); if (years.indexOf(y) < 0) years.push(y); });
    years.reverse().forEach(function (y) { yearFilter.add(new Option(y, y)); });
    sectionFilter.value = params.get("section") || "";
    yearFilter.value = params.get("year") || "";
    if (sectionFilter.selectedIndex < 0) sectionFilter.value = "";
    if (yearFilter.selectedIndex < 0) yearFilter.value = "";
  }

  function search() {
    var mine = ++asked;
    list.textContent = "";
    more.hidden = true;
    var terms = words(input.value).filter(function (t, i, all) { return all.indexOf(t) === i; });
    if (!index) { status.textContent = "Loading…"; return; }
    if (terms.join("").length < 2) { status.textContent = "Type at least two letters."; return; }
    status.textContent = "Searching…";
    var meta = index.meta;
    var range = yearRange(meta, yearFilter.value);
    var section = meta.sections.filter(function (s) { return s.name === sectionFilter.value; })[0];
    var asks = terms.map(index.postings);
    asks.push(section ? index.section(section.file) : Promise.resolve(null));
    Promise.all(asks).then(function (found) {
      if (mine !== asked) return;
      var inSection = found.pop();
      var scored = [];
      found[0].forEach(function (title, id) {
        if (id < range[0] || id >= range[1] || (inSection && !inSection.has(id))) return;
        var score = 0;
        for (var t = 0; t < found.length; t++) {
          if (!found[t].has(id)) return;
          score += found[t].get(id) ? 3 : 1;
        }
        scored.push({ id: id, score: score });
      });
      // Title matches first, then newest first (higher ids are newer).
      scored.sort(function (a, b) { return b.score - a.score || b.id - a.id; });
      hits = scored; shown = 0;
      // The count is told once the first results are in the list, so a
      // screen reader announces it with something to read.
      var count = hits.length + (hits.length === 1 ? " article" : " articles") + " found";
      return showMore(mine).then(function (listed) { if (listed) status.textContent = count; });
    }).catch(function () { if (mine === asked) status.textContent = "The search index could not be loaded."; });
  }

  function showMore(mine) {
    var page = hits.slice(shown, shown + PAGE);
    shown += page.length;
    return Promise.all(page.map(function (hit) { return index.doc(hit.id); })).then(function (docs) {
      if (mine !== asked) return false;
      docs.forEach(function (entry) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entry.url;
        link.textContent = entry.title;
        var meta = document.createElement("p");
        meta.className = "meta";
        meta.textContent = [entry.section, new Date(entry.date).toLocaleDateString(document.documentElement.lang, { year: "numeric", month: "long", day: "numeric" })].filter(Boolean).join(" · ");
        var summary = document.createElement("p");
        summary.textContent = entry.summary;
        item.appendChild(link); item.appendChild(meta); item.appendChild(summary);
        list.appendChild(item);
      });
      more.hidden = shown >= hits.length;
      return true;
    }).catch(function () {
      if (mine === asked) status.textContent = "The search index could not be loaded.";
      return false;
    });
  }

  function remember() {
    var url = new URL(location.href);
    [["q", input.value], ["section", sectionFilter.value], ["year", yearFilter.value]].forEach(function (pair) {
      if (pair[1]) url.searchParams.set(pair[0], pair[1]); else url.searchParams.delete(pair[0]);
    });
    history.replaceState(null, "", url);
    search();
  }

  input.value = new URLSearchParams(location.search).get("q") || "";
  input.addEventListener("input", remember);
  sectionFilter.addEventListener("change", remember);
  yearFilter.addEventListener("change", remember);
  more.addEventListener("click", function () { showMore(asked); });
  var source = new URL(list.getAttribute("data-index"), location.href).href;
  fetchJson(source).then(function (data) {
    if (!Array.isArray(data) && data.format !== 1) throw new Error("an index of another format");
    index = Array.isArray(data) ? wholeIndex(data) : splitIndex(data, source);
    fillFilters(index.meta);
    search();
  }).catch(function () { status.textContent = "The search index could not be loaded."; });
})();
