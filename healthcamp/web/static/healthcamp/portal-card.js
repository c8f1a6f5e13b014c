// The letter's QR code carries the card code after "#": a fragment never leaves the
// phone, so it reaches no server or proxy log. Fill it in, then drop it from the
// address bar and history; language links keep it on the phone the same way.
(function () {
  var match = /(?:^#|&)card=([0-9A-Za-z-]{1,40})/.exec(window.location.hash);
  if (!match) { return; }
  var card = match[1];
  var input = document.getElementById("card_code");
  if (input && !input.value) { input.value = card; }
  history.replaceState(null, "", window.location.pathname + window.location.search);
  document.querySelectorAll("nav.languages a").forEach(function (link) {
    link.href = link.getAttribute("href").split("#")[0] + "#card=" + encodeURIComponent(card);
  });
})();
