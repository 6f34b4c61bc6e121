// Smart intake on the report pages: while the title and description are typed, suggest categories
// (a tap chooses one) and show open reports nearby that read alike, each with "support this one
// instead". Debounced: one pair of requests after the typing pauses, the stale answers dropped.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("report-form");
  if (!script || !form) { return; }
  var d = script.dataset;
  var category = form.elements.category;
  var title = form.elements.title;
  var text = form.elements.description;
  if (!category || !title || !text) { return; }

  function box(id, after) {
    var el = document.createElement("div");
    el.id = id;
    el.className = "intake-box";
    el.hidden = true;
    el.setAttribute("aria-live", "polite");
    after.parentNode.insertBefore(el, after.nextSibling);
    return el;
  }
  var suggestBox = box("intake-suggestions", category.closest("label") || category);
  var dupBox = box("intake-duplicates", text.closest("label") || text);

  function query() {
    var p = new URLSearchParams();
    p.set("title", title.value);
    p.set("text", text.value);
    if (form.elements.place && form.elements.place.value) { p.set("place", form.elements.place.value); }
    if (form.elements.lon && form.elements.lon.value) { p.set("lon", form.elements.lon.value); p.set("lat", form.elements.lat.value); }
    return p.toString();
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } el.hidden = true; }

  function showSuggestions(data) {
    clear(suggestBox);
    if (!data.categories || !data.categories.length) { return; }
    var head = document.createElement("p");
    head.className = "muted";
    head.textContent = d.labelSuggested + (data.method === "keywords" ? " (" + d.labelKeywords + ")" : "");
    suggestBox.appendChild(head);
    data.categories.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary intake-choice";
      b.dataset.categoryId = c.id;
      b.textContent = c.class_name + " / " + c.name + " " + Math.round(c.confidence * 100) + "%";
      if (String(category.value) === String(c.id)) { b.setAttribute("aria-pressed", "true"); }
      b.addEventListener("click", function () {
        category.value = String(c.id);
        category.dispatchEvent(new Event("change", { bubbles: true }));
        suggestBox.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
      });
      suggestBox.appendChild(b);
    });
    if (data.unit) {
      var u = document.createElement("p");
      u.className = "muted";
      u.textContent = d.labelUnit + ": " + data.unit.name;
      suggestBox.appendChild(u);
    }
    suggestBox.hidden = false;
  }

  function showDuplicates(data) {
    clear(dupBox);
    if (!data.duplicates || !data.duplicates.length) { return; }
    var head = document.createElement("p");
    head.className = "intake-warning";
    head.textContent = d.labelDuplicates;
    dupBox.appendChild(head);
    var token = form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
    data.duplicates.forEach(function (dup) {
      var card = document.createElement("div");
      card.className = "card intake-duplicate";
      var a = document.createElement("a");
      a.href = dup.url;
      a.textContent = dup.reference + " " + dup.title;
      var meta = document.createElement("p");
      meta.className = "muted";
      meta.textContent = dup.place + " · " + dup.created_at.slice(0, 10) + " · " + dup.supports + " " + d.labelSupports;
      card.appendChild(a);
      card.appendChild(meta);
      // A case is supported through intake, a wall item through the wall's own support: each
      // duplicate names where its support goes.
      if (dup.support_url) {
        var f = document.createElement("form");
        f.method = "post";
        f.action = dup.support_url;
        f.className = "intake-support";
        var t = document.createElement("input");
        t.type = "hidden"; t.name = "csrfmiddlewaretoken"; t.value = token;
        var s = document.createElement("button");
        s.type = "submit"; s.className = "secondary"; s.textContent = d.labelSupport;
        f.appendChild(t); f.appendChild(s);
        card.appendChild(f);
      }
      dupBox.appendChild(card);
    });
    dupBox.hidden = false;
  }

  var timer = null, asked = 0;
  function ask() {
    var mine = ++asked, q = query();
    fetch(d.suggestUrl + "?" + q, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) { if (mine === asked) { showSuggestions(data); } }).catch(function () {});
    fetch(d.duplicatesUrl + "?" + q, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) { if (mine === asked) { showDuplicates(data); } }).catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(ask, 400); }
  [title, text].forEach(function (el) { el.addEventListener("input", later); });
  if (form.elements.place) { form.elements.place.addEventListener("change", later); }
  if (title.value || text.value) { later(); }
})();
