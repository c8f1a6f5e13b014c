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
      // At a station device, the box a scanned card lands on: the nurse types at once.
      main.querySelector(".st-form[data-device] [autofocus]") ||
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

// The station: a folded blood pressure reading opens as soon as the first two readings
// (recorded or typed) differ by more than the protocol's gap. The server applies the
// same rule after a save, so the page works without this script.
(function () {
  function number(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isNaN(value) ? null : value;
  }
  function readings(rows) {
    var found = [];
    var form = rows.closest("form");
    form.querySelectorAll(".st-readings li").forEach(function (li) {
      found.push([number(li.dataset.systolic), number(li.dataset.diastolic)]);
    });
    rows.querySelectorAll(".st-row").forEach(function (row) {
      var boxes = row.querySelectorAll("input");
      if (boxes.length === 2) found.push([number(boxes[0].value), number(boxes[1].value)]);
    });
    return found;
  }
  function differ(a, b, gap) {
    if (!a || !b || a.indexOf(null) >= 0 || b.indexOf(null) >= 0) return false;
    return Math.abs(a[0] - b[0]) > gap || Math.abs(a[1] - b[1]) > gap;
  }
  document.addEventListener("input", function (event) {
    var rows = event.target.closest && event.target.closest(".st-rows");
    if (!rows) return;
    var more = rows.querySelector("details.st-more");
    if (!more || more.open) return;
    var found = readings(rows);
    if (!differ(found[0], found[1], number(rows.dataset.gap) || 10)) return;
    more.open = true;
    // Said, not only shown: the new boxes appear below where the nurse is typing.
    var say = document.getElementById("announce");
    if (say && more.dataset.announce) {
      say.textContent = "";
      window.setTimeout(function () {
        say.textContent = more.dataset.announce;
      }, 50);
    }
  });
})();
