// Draws ```mermaid blocks, which the server renders as <pre class="mermaid"> (so a page without
// JavaScript shows the diagram's source as a code block). Mermaid (3.5 MB) is fetched only by
// pages served with a diagram: only their Content-Security-Policy lets Mermaid's inline styles
// in (adr_app/middleware.py), so content htmx swaps in is drawn on those pages only.
(function () {
  "use strict";
  var source = document.currentScript.getAttribute("data-mermaid");
  var loading = null;
  var drawn = 0;

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = source;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      }).then(function () {
        window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
      });
    }
    return loading;
  }

  function draw(root) {
    var blocks = Array.prototype.slice.call(root.querySelectorAll("pre.mermaid:not([data-diagram])"));
    if (!blocks.length) return;
    blocks.forEach(function (block) { block.setAttribute("data-diagram", "drawing"); });
    load().then(function () {
      blocks.forEach(function (block) {
        drawn += 1;
        window.mermaid.render("diagram-" + drawn, block.textContent).then(function (result) {
          var figure = document.createElement("figure");
          figure.className = "diagram";
          figure.innerHTML = result.svg;  // Mermaid's own output, made under securityLevel "strict"
          var svg = figure.querySelector("svg");
          if (svg) svg.setAttribute("role", "img");
          block.setAttribute("data-diagram", "drawn");
          block.hidden = true;
          block.parentNode.insertBefore(figure, block.nextSibling);
        }, function () {
          block.setAttribute("data-diagram", "failed");  // the source stays, as a code block
        });
      });
    });
  }

  var served = false;
  document.addEventListener("DOMContentLoaded", function () {
    served = document.querySelector("pre.mermaid") !== null;
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { if (served) draw(event.target); });
})();
