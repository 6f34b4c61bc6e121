// The visit form: show only the field the chosen outcome of the need asks for (the category for a
// case, the kind of service for a home-service request, the topic for a meeting). Without script
// every field shows and the server says which one was missing.
(function () {
  "use strict";
  var choices = document.querySelector("[data-need-becomes]");
  if (!choices) return;
  function show() {
    var checked = choices.querySelector("input:checked");
    var wanted = checked ? checked.value : "";
    document.querySelectorAll("[data-for-need]").forEach(function (label) {
      label.hidden = label.getAttribute("data-for-need") !== wanted;
    });
  }
  choices.addEventListener("change", show);
  show();
})();
