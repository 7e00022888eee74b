// While htmx fetches a region (the live recommendation), mark it aria-busy so screen readers wait
// for the new answer; the swapped-in region arrives without the mark.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target && target.isConnected) target.removeAttribute("aria-busy");
  });
})();
