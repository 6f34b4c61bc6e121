// Intake's suggestions rendered by the page (intake/_suggested_choices.html): a tap on one sets the
// category select the box names, and marks it pressed.
(function () {
  "use strict";
  var box = document.getElementById("intake-suggestions");
  if (!box) { return; }
  var select = document.getElementById(box.dataset.for);
  if (!select) { return; }
  var buttons = box.querySelectorAll("button[data-category-id]");
  function mark() {
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(select.value === b.dataset.categoryId));
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      select.value = b.dataset.categoryId;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  select.addEventListener("change", mark);
  mark();
})();
