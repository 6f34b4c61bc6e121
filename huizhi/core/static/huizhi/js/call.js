// One tap to call from a case (issue 18): the number is revealed (and logged) by the server, then
// dialled at once. Without this script the form opens a page with the number as a tel: link.
(function () {
  "use strict";
  document.querySelectorAll("form.call-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) { if (body.tel) { window.location.href = "tel:" + body.tel; } else { form.submit(); } })
        .catch(function () { form.submit(); });
    });
  });
})();
