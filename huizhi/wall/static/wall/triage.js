// Triage: choosing an outcome fills the response with the wording kept for it, unless staff
// have already written their own.
(function () {
  "use strict";
  var form = document.getElementById("triage-form");
  var source = document.getElementById("triage-templates");
  if (!form || !source) { return; }
  var templates = JSON.parse(source.textContent);
  var text = form.elements.text;
  var lastFilled = "";
  form.addEventListener("change", function (event) {
    if (event.target.name !== "outcome") { return; }
    var wording = templates[event.target.value] || "";
    if (text.value.trim() === "" || text.value === lastFilled) {
      text.value = wording;
      lastFilled = wording;
    }
  });
})();
