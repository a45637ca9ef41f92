// Starts Deal Desk. A file of its own, not an inline script: the demo runs under a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval'; style-src 'self').
//
// Every policy violation is kept in `window.dealDeskCspViolations`, so that the end-to-end
// test can show that the app and the library need nothing the policy forbids.
window.dealDeskCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.dealDeskCspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});

import("./symphony-demo.js")
  .then((module) => module.default())
  .catch((error) => {
    document.body.textContent = "Deal Desk could not start: " + error;
  });
