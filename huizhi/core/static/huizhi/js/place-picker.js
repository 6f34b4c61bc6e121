// The place picker: type "扬天 11" or tap "Near me", then tap a place; its id goes in the hidden
// field. Without this script the typed words are resolved on the server (huizhi/places/forms.py).
(function () {
  "use strict";
  function setUp(box) {
    if (box.dataset.ready) { return; }
    box.dataset.ready = "1";
    var hidden = box.querySelector(".place-picker-id");
    var text = box.querySelector(".place-picker-text");
    var list = box.querySelector(".place-picker-options");
    var status = box.querySelector(".place-picker-status");
    var near = box.querySelector(".place-picker-near");
    var url = box.dataset.searchUrl;
    var timer = null;
    var asked = 0;

    function show(results, emptyMessage) {
      list.textContent = "";
      results.forEach(function (place) {
        var item = document.createElement("li");
        var choose = document.createElement("button");
        choose.type = "button";
        choose.textContent = place.label + (place.metres !== undefined ? " · " + place.metres + " " + box.dataset.metres : "");
        choose.addEventListener("click", function () {
          hidden.value = place.id;
          hidden.dispatchEvent(new Event("change", { bubbles: true }));  // e.g. smart intake looks for duplicates near it
          text.value = place.label;
          list.textContent = "";
          status.textContent = "";
        });
        item.appendChild(choose);
        list.appendChild(item);
      });
      status.textContent = results.length ? "" : emptyMessage;
    }

    function ask(params, emptyMessage) {
      var mine = ++asked;
      var join = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + join + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (mine === asked) { show(body.results || [], emptyMessage); } })
        .catch(function () { status.textContent = box.dataset.failed; });
    }

    text.addEventListener("input", function () {
      hidden.value = "";  // typing again un-picks: the server resolves the words unless a place is tapped
      clearTimeout(timer);
      var words = text.value.trim();
      if (!words) { list.textContent = ""; return; }
      timer = setTimeout(function () { ask("q=" + encodeURIComponent(words), box.dataset.none); }, 250);
    });
    near.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = box.dataset.failed; return; }
      navigator.geolocation.getCurrentPosition(function (position) {
        ask("lon=" + position.coords.longitude.toFixed(6) + "&lat=" + position.coords.latitude.toFixed(6), box.dataset.nearNone);
      }, function () { status.textContent = box.dataset.failed; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
  function setUpAll() { document.querySelectorAll(".place-picker").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUpAll); } else { setUpAll(); }
})();
