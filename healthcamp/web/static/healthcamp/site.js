// After htmx swaps in a new page (hx-boost), a keyboard or screen-reader user is told
// where they are: focus moves to the first field in error (or the error summary), else
// to the page's heading, and the new title is announced. No inline script: the CSP
// forbids them.
(function () {
  function land() {
    var main = document.getElementById("main");
    if (!main) return;
    // The first field in error (the summary above it is a live alert, read out as it
    // arrives), else the summary of errors no field owns, else the page's heading.
    var target =
      main.querySelector('[aria-invalid="true"]') ||
      main.querySelector(".error-summary") ||
      main.querySelector("h1");
    if (target) {
      if (!target.matches("input, select, textarea, button, a[href]")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: true });
      // Scrolled to by hand: a field htmx already focused (autofocus) would not scroll.
      // A field in error sits mid-screen, its label above and its message below.
      target.scrollIntoView({ block: target.matches("h1") ? "nearest" : "center" });
    }
    var say = document.getElementById("announce");
    if (say) {
      say.textContent = "";
      window.setTimeout(function () {
        say.textContent = document.title;
      }, 50);
    }
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    // Once htmx is done: right after this event it scrolls a boosted page to the top,
    // which would leave a field in error, further down, out of sight.
    if (detail.boosted || (detail.requestConfig && detail.requestConfig.boosted)) {
      window.setTimeout(land, 0);
    }
  });
})();
