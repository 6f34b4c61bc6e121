// Every page: after a form comes back with errors, the first field in error (Django marks it
// aria-invalid) takes the focus, so a keyboard or screen-reader user lands where the fix is, and
// the page scrolls there on a phone. A form-wide error (role=alert) is read out by itself.
(function () {
  "use strict";
  var first = document.querySelector("form [aria-invalid=true]");
  if (!first) return;
  var target = first.matches("fieldset") ? first.querySelector("input, select, textarea") : first;
  if (target && typeof target.focus === "function") {
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }
})();
