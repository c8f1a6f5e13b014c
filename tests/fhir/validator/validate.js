// Validates FHIR R4 resources with the `fhir` package (lantanagroup's FHIR.js), which
// healthcamp did not write. Reads a JSON array of resources on stdin; writes one JSON
// array back: for each resource, the validator's messages (severity, location, message).
// One process validates a whole batch, so the tests start node once per session.
"use strict";

const { Fhir, Versions } = require("fhir");
const { ParseConformance } = require("fhir/parseConformance");

const fhir = new Fhir(new ParseConformance(true, Versions.R4));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const resources = JSON.parse(input);
  const out = resources.map((resource) => {
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    return { valid: result.valid, messages: result.messages };
  });
  process.stdout.write(JSON.stringify({
    validator: "fhir " + require("fhir/package.json").version,
    results: out,
  }));
});
