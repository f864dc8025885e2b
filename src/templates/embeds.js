// gazette's embeds: a third-party player, chart or post loads only when
// the reader asks for it. Each placeholder is a link to the original,
// which works without this script; with it, a click puts the embed in
// the placeholder's place. A site that sets [embeds] load = "at-once"
// gets every embed on load instead.
(function () {
  "use strict";
  function show(figure) {
    var src = figure.getAttribute("data-embed-src");
    var frame = figure.querySelector(".embed-frame, .post-card");
    if (!src || !frame) { return; }
    var iframe = document.createElement("iframe");
    iframe.src = src;
    var link = figure.querySelector(".embed-placeholder");
    iframe.title = (link && link.textContent) || "Embedded content";
    iframe.setAttribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture");
    iframe.setAttribute("allowfullscreen", "");
    iframe.setAttribute("loading", "lazy");
    iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    var holder = document.createElement("div");
    holder.className = "embed-frame embed-loaded";
    holder.appendChild(iframe);
    frame.parentNode.replaceChild(holder, frame);
    figure.removeAttribute("data-embed-src");
  }
  var atOnce = document.documentElement.getAttribute("data-embeds") === "at-once";
  var figures = document.querySelectorAll("figure[data-embed-src]");
  Array.prototype.forEach.call(figures, function (figure) {
    if (atOnce) { show(figure); return; }
    var link = figure.querySelector(".embed-placeholder");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      if (event.metaKey || event.ctrlKey || event.shiftKey) { return; }
      event.preventDefault();
      show(figure);
    });
  });
})();
