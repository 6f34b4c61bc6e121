// Residents import. On the upload page: send the file with a progress bar (a 50 MB sheet over a
// slow line takes a while), then go to the job's page. On the job's page: poll its progress while
// a worker imports it, and reload once it has finished to show the result.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    var box = document.getElementById("upload-progress");
    var bar = box.querySelector("progress");
    var label = box.querySelector("span");
    form.addEventListener("submit", function (event) {
      if (!form.elements.file.files.length) { return; }  // let the server say a file is needed
      event.preventDefault();
      box.hidden = false;
      label.textContent = label.dataset.labelUploading;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      };
      xhr.onload = function () {
        // Queued: the server redirected to the job's page. Refused: it answered the form again.
        if (xhr.responseURL && xhr.responseURL !== window.location.href) { window.location.href = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      };
      // Never upload twice on its own: say it failed and let the person try again.
      xhr.onerror = function () { label.textContent = label.dataset.labelFailed; };
      xhr.send(new FormData(form));
    });
  }
  var running = document.getElementById("import-running");
  if (running && window.fetch) {
    var phase = document.getElementById("import-phase");
    var progress = running.querySelector("progress");
    var poll = function () {
      fetch(running.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.status === "done" || p.status === "failed") { window.location.reload(); return; }
          var text = phase.dataset["label" + p.phase.charAt(0).toUpperCase() + p.phase.slice(1)] || p.phase;
          phase.textContent = text + (p.phase === "checking" || p.phase === "saving" ? " " + (p.phase === "checking" ? p.processed + " / " : "") + p.total : "");
          if (p.percent === null) { progress.removeAttribute("value"); } else { progress.value = p.percent; }
          setTimeout(poll, 1500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  }
})();
