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
      target.focus({ preventScroll: false });
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
    if (detail.boosted || (detail.requestConfig && detail.requestConfig.boosted)) land();
  });
})();
