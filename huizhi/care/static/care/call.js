// Tap to call a watched elder or their family (issue 19): the number stays masked until the tap;
// the server writes the reveal to the access log and answers with it, which then replaces the button
// as a tel: link and is dialled. Without this script the form opens a page with the number.
(function () {
  "use strict";
  document.querySelectorAll("form.care-call").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (!body.tel) { form.submit(); return; }
          var link = document.createElement("a");
          link.className = "button primary small";
          link.href = "tel:" + body.tel;
          link.setAttribute("data-revealed", form.getAttribute("data-call"));
          link.textContent = form.querySelector("button").firstChild.textContent.trim() + " " + body.tel;
          form.replaceWith(link);
          link.click();
        })
        .catch(function () { form.submit(); });
    });
  });
})();
