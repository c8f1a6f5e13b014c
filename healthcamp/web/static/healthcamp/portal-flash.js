// What the person just did (a withdrawal, a PIN saved or refused) is said where they are
// looking: the message takes focus and comes into view, so a screen reader reads it and a
// phone does not leave it thousands of pixels above. When it was refused, the field in
// error takes focus instead: it names the message (aria-describedby), which is read with
// it. No inline script: the CSP forbids it.
(function () {
  var field = document.querySelector('main [aria-invalid="true"]');
  var said = field || document.querySelector("main [data-flash]");
  if (!said) { return; }
  if (!field) { said.setAttribute("tabindex", "-1"); }
  said.focus({ preventScroll: true });
  said.scrollIntoView({ block: "center" });
})();
