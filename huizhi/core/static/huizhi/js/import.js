// Residents import: upload with a progress bar. The server reports how far it has checked and saved
// under a key this page makes up; the page polls it while the upload request runs.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var box = document.getElementById("import-progress");
  var bar = box.querySelector("progress");
  var label = box.querySelector("span");
  form.addEventListener("submit", function (event) {
    if (!form.elements.file.files.length) { return; }  // let the server say a file is needed
    event.preventDefault();
    var key = String(Date.now()) + Math.random().toString(16).slice(2, 10);
    form.elements.progress_key.value = key;
    box.hidden = false;
    label.textContent = label.dataset.labelUploading;
    var timer = setInterval(function () {
      fetch(form.dataset.statusUrl + "?key=" + key, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.total) { bar.value = Math.round(100 * p.done / p.total); }
          var text = label.dataset["label" + p.phase.charAt(0).toUpperCase() + p.phase.slice(1)];
          label.textContent = (text || p.phase) + (p.total ? " " + p.done + " / " + p.total : "");
        }).catch(function () {});
    }, 700);
    fetch(form.action || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        clearInterval(timer);
        if (response.redirected) { window.location.href = response.url; return; }
        return response.text().then(function (html) { document.open(); document.write(html); document.close(); });
      })
      .catch(function () {
        // Never upload twice: say it failed and let the person try again.
        clearInterval(timer);
        label.textContent = label.dataset.labelFailed;
      });
  });
})();
