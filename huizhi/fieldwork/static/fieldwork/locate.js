// "Use my location" on the field-work forms: a button with data-locate fills the hidden lon and
// lat fields of its own form from the phone's geolocation. Without a location the form still
// works: the worker chooses the place.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-locate]"), function (button) {
    var form = button.form;
    var status = document.getElementById(button.dataset.locate);
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = button.dataset.labelFailed; return; }
      status.textContent = button.dataset.labelWaiting;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lon.value = position.coords.longitude.toFixed(6);
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        status.textContent = button.dataset.labelDone + " (" + form.elements.lon.value + ", " + form.elements.lat.value + ")";
      }, function () { status.textContent = button.dataset.labelFailed; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  });
})();
