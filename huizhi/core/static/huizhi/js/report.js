// "Use my location": fills the hidden lon/lat fields of the report form from the phone's GPS.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  var form = document.getElementById("report-form");
  if (!button || !form) { return; }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = button.dataset.labelFailed; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lon.value = position.coords.longitude.toFixed(6);
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      status.textContent = button.dataset.labelDone + " (" + form.elements.lon.value + ", " + form.elements.lat.value + ")";
    }, function () { status.textContent = button.dataset.labelFailed; }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
