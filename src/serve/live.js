// gazette serve: reloads this page after each rebuild, swaps stylesheets
// when only CSS changed, and shows a failed build over the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? new URL(script.src).searchParams.get("v") : null;
  var source = new EventSource("/__gazette/events" + (version ? "?v=" + version : ""));
  var overlay = null;

  source.addEventListener("reload", function () {
    location.reload();
  });

  source.addEventListener("css", function () {
    hideError();
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("gazette", Date.now());
      links[i].href = url.toString();
    }
  });

  source.addEventListener("build-error", function (event) {
    showError(event.data);
  });

  function showError(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "gazette-build-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:#1b1b1b;color:#f5f5f5;padding:24px;box-sizing:border-box;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace";
      var title = document.createElement("p");
      title.textContent = "gazette: the build failed. Fix the file and save; this page reloads once it builds.";
      title.style.cssText = "margin:0 0 12px;font-weight:bold;color:#ff8a80";
      overlay.appendChild(title);
      var pre = document.createElement("pre");
      // Long paths wrap rather than run off a phone's screen.
      pre.style.cssText = "margin:0;white-space:pre-wrap;overflow-wrap:anywhere";
      overlay.appendChild(pre);
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = text;
  }

  function hideError() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }
})();
