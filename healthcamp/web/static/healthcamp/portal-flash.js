// What the person just did (a withdrawal, a PIN saved or refused) is said where they are
// looking: the message takes focus and comes into view, so a screen reader reads it and a
// phone does not leave it thousands of pixels above. No inline script: the CSP forbids it.
(function () {
  var said = document.querySelector("main [data-flash]");
  if (!said) { return; }
  said.setAttribute("tabindex", "-1");
  said.focus({ preventScroll: true });
  said.scrollIntoView({ block: "center" });
})();
