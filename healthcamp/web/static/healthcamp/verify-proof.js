// "Check" next to an entry of the person's log: fetch the entry with its inclusion proof
// (/me/record/proof/SEQ/) and check it here, on the phone, as docs/audit-format.md says:
//   1. the entry is the one asked for (its seq is index + 1, and the row's);
//   2. leaf = SHA-256(0x00 || entry), then RFC 9162 §2.1.3.2 up the proof's path;
//   3. that root is the root in the checkpoint (its third line), of the proof's size;
//   4. the checkpoint carries a valid Ed25519 signature by the log key in the file
//      (C2SP signed note), when this browser's WebCrypto has Ed25519; otherwise the
//      page says the signature is left to tools/verify_audit_log.py.
// A key in the file proves only that the file is consistent: whether it is the
// programme's key is for the person (or anyone) to compare with the published one.
(function () {
  "use strict";
  var section = document.querySelector("[data-proof-words]");
  if (!section) { return; }
  var words = section.dataset;

  function Bad(reason) { this.reason = reason; }  // the proof does not check out

  function need(condition, reason) { if (!condition) { throw new Bad(reason); } }

  function fromBase64(text) {
    // Strict: one spelling per value, as the verifier insists.
    need(typeof text === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(text), "bad base64");
    var binary;
    try { binary = window.atob(text); } catch (error) { throw new Bad("bad base64"); }
    need(window.btoa(binary) === text, "bad base64");
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  function concat() {
    var length = 0, i;
    for (i = 0; i < arguments.length; i += 1) { length += arguments[i].length; }
    var out = new Uint8Array(length), at = 0;
    for (i = 0; i < arguments.length; i += 1) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    var diff = 0;
    for (var i = 0; i < a.length; i += 1) { diff |= a[i] ^ b[i]; }
    return diff === 0;
  }

  function sha256(bytes) {
    return window.crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  var LEAF = new Uint8Array([0]), NODE = new Uint8Array([1]);
  function nodeHash(left, right) { return sha256(concat(NODE, left, right)); }

  function wholeNumber(value) {
    need(typeof value === "number" && Number.isSafeInteger(value) && value >= 0, "bad number");
    return BigInt(value);
  }

  // RFC 9162 §2.1.3.2, in BigInt so that no size is cut to 32 bits.
  async function inclusionRoot(leaf, index, size, path) {
    need(index < size, "index outside the tree");
    var fn = index, sn = size - 1n, r = leaf;
    for (var i = 0; i < path.length; i += 1) {
      need(sn !== 0n, "proof too long");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(path[i], r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, path[i]);
      }
      fn >>= 1n; sn >>= 1n;
    }
    need(sn === 0n, "proof too short");
    return r;
  }

  // A signed note: the text is everything up to and including the LF before the last
  // empty line; then one "— name base64(key ID || signature)" line per signature.
  function openNote(note) {
    need(typeof note === "string" && note.length <= 65536, "bad checkpoint");
    var split = note.lastIndexOf("\n\n");
    need(split >= 0 && note.endsWith("\n"), "bad checkpoint");
    var text = note.slice(0, split + 1);
    var signatures = note.slice(split + 2, -1).split("\n").map(function (line) {
      need(line.indexOf("\u2014 ") === 0, "bad signature line");
      var rest = line.slice(2), space = rest.lastIndexOf(" ");
      need(space > 0, "bad signature line");
      return { name: rest.slice(0, space), bytes: fromBase64(rest.slice(space + 1)) };
    });
    var lines = text.slice(0, -1).split("\n");
    need(lines.length >= 3 && lines.every(function (l) { return l.length > 0; }), "bad checkpoint");
    need(/^(0|[1-9][0-9]{0,18})$/.test(lines[1]), "bad checkpoint size");
    var root = fromBase64(lines[2]);
    need(root.length === 32, "bad checkpoint root");
    return { text: text, origin: lines[0], size: BigInt(lines[1]), root: root, signatures: signatures };
  }

  // A verifier key: name "+" hex(key ID) "+" base64(0x01 || 32-byte Ed25519 key).
  async function openKey(key) {
    need(typeof key === "string", "no key");
    var first = key.indexOf("+"), second = key.indexOf("+", first + 1);
    need(first > 0 && second > first, "bad key");
    var name = key.slice(0, first), kidHex = key.slice(first + 1, second);
    need(/^[0-9a-f]{8}$/.test(kidHex), "bad key");
    var raw = fromBase64(key.slice(second + 1));
    need(raw.length === 33 && raw[0] === 1, "bad key");
    var digest = await sha256(concat(new TextEncoder().encode(name + "\n"), raw));
    var kid = digest.slice(0, 4);
    need(Array.from(kid, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("") === kidHex,
      "the key ID does not match the key");
    return { name: name, kid: kid, publicKey: raw.slice(1) };
  }

  // true: signed by the key; null: this browser cannot check Ed25519. Throws when it fails.
  async function checkSignature(checkpoint, key) {
    var line = checkpoint.signatures.find(function (s) {
      return s.name === key.name && s.bytes.length >= 4 && equal(s.bytes.slice(0, 4), key.kid);
    });
    need(line !== undefined, "no signature by the log key");
    need(line.bytes.length === 68, "bad signature length");
    var imported;
    try {
      imported = await window.crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      if (error && (error.name === "NotSupportedError" || error.name === "TypeError")) { return null; }
      throw new Bad("bad key");
    }
    var ok = await window.crypto.subtle.verify(
      { name: "Ed25519" }, imported, line.bytes.slice(4), new TextEncoder().encode(checkpoint.text));
    need(ok, "the checkpoint's signature does not verify");
    return true;
  }

  // "ok" or "unsigned" (all but the signature checked here); throws Bad otherwise.
  async function check(proof, seq) {
    need(proof && typeof proof === "object", "not a proof");
    var entry = fromBase64(proof.entry);
    var index = wholeNumber(proof.index), size = wholeNumber(proof.tree_size);
    need(index + 1n === BigInt(seq), "a proof of another entry");
    // The entry's own seq (its JSON after the subjects line) is index + 1 too.
    var newline = entry.indexOf(10);
    need(newline >= 0, "bad entry");
    var fields;
    try {
      fields = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entry.slice(newline + 1)));
    } catch (error) { throw new Bad("bad entry"); }
    need(fields && fields.seq === Number(index + 1n), "the entry's seq is not its place");
    need(Array.isArray(proof.proof), "bad proof");
    var path = proof.proof.map(function (h) { var b = fromBase64(h); need(b.length === 32, "bad hash"); return b; });
    var checkpoint = openNote(proof.checkpoint);
    need(checkpoint.size === size, "the checkpoint is of another size");
    var root = await inclusionRoot(await sha256(concat(LEAF, entry)), index, size, path);
    need(equal(root, checkpoint.root), "the root is not the checkpoint's");
    var key = await openKey(proof.key);
    need(key.name === checkpoint.origin, "the key is not the log's");
    return (await checkSignature(checkpoint, key)) ? "ok" : "unsigned";
  }

  function say(status, text, good) {
    status.textContent = text;
    status.title = "";
    status.classList.remove("outcome-allowed", "outcome-denied");
    if (good !== null) { status.classList.add(good ? "outcome-allowed" : "outcome-denied"); }
  }

  async function run(button) {
    var status = document.getElementById(button.getAttribute("aria-controls"));
    if (!status) { return; }
    if (!window.crypto || !window.crypto.subtle || typeof BigInt === "undefined") {
      say(status, words.proofUnavailable, null);  // e.g. plain http on a local network
      return;
    }
    // Not `disabled`: that would take the keyboard's focus away from the button.
    if (button.getAttribute("aria-busy") === "true") { return; }
    button.setAttribute("aria-busy", "true");
    say(status, words.proofChecking, null);
    try {
      var proof;
      try {
        var response = await fetch(button.dataset.url, {
          credentials: "same-origin", redirect: "error", headers: { Accept: "application/json" },
        });
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        proof = await response.json();
      } catch (error) {
        say(status, words.proofFailed, null);
        return;
      }
      try {
        var outcome = await check(proof, button.dataset.seq);
        say(status, outcome === "ok" ? words.proofOk : words.proofOk + " " + words.proofUnsigned, true);
      } catch (error) {
        // Anything in the file that does not check is a failed proof, whatever broke.
        say(status, words.proofBad, false);
        status.title = error instanceof Bad ? error.reason : String(error);
      }
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  section.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-proof-check]");
    if (button) { run(button); }
  });
  section.classList.add("proof-ready");  // the Check buttons show now (site.css)
})();
