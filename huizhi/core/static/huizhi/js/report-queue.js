// The report form in the street (issue 18): a draft kept while typing, and a report made without
// a network kept on the phone (IndexedDB, photos included) and sent when the network is back.
// Each report carries a one-time key, so sending it again never files a second case
// (huizhi/cases/services/submissions.py). Texts come from the page (data-* on #report-queue).
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var panel = document.getElementById("report-queue");
  if (!form || !panel || !window.indexedDB) { return; }
  var text = panel.dataset;
  // Whose page this is: a phone may change hands, and what one person kept is theirs alone (sent
  // under their name only, their draft shown to them only).
  var OWNER = text.owner || "";
  var DRAFT_KEY = "huizhi-report-draft:" + OWNER + ":" + location.pathname;
  var DRAFTED = ["category", "title", "description", "place", "place_text"];

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);  // also on plain-HTTP intranets, unlike randomUUID
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  if (form.elements.submission && !form.elements.submission.value) { form.elements.submission.value = newKey(); }

  // --- the draft: what was typed survives a closed tab or a dead battery ---
  function saveDraft() {
    var draft = {};
    DRAFTED.forEach(function (name) { if (form.elements[name]) { draft[name] = form.elements[name].value; } });
    try { localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
  }
  function restoreDraft() {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { draft = null; }
    if (!draft) { return; }
    var restored = false;
    DRAFTED.forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.value && draft[name]) { field.value = draft[name]; restored = true; }
    });
    if (restored) { say(text.draftRestored); }
  }
  function clearDraft() { try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ } }
  // A page that came back with errors shows what the server kept; only a fresh form takes the draft.
  if (!form.querySelector(".error")) { restoreDraft(); }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  // --- the queue ---
  function open(then) {
    var request = indexedDB.open("huizhi-reports", 1);
    request.onupgradeneeded = function () { request.result.createObjectStore("queue", { keyPath: "key" }); };
    request.onsuccess = function () { then(request.result); };
    request.onerror = function () { say(text.storageFailed); };
  }
  function store(mode, work, done) {
    open(function (db) {
      var transaction = db.transaction("queue", mode);
      var result = work(transaction.objectStore("queue"));
      transaction.oncomplete = function () { if (done) { done(result && result.result); } db.close(); };
    });
  }
  function say(message) {
    var line = document.createElement("p");
    line.textContent = message;
    panel.appendChild(line);
  }
  function showLink(message, href) {
    var line = document.createElement("p");
    var link = document.createElement("a");
    link.href = href;
    link.textContent = message;
    line.appendChild(link);
    panel.appendChild(line);
  }

  function keep(fields, done) {
    var entry = { key: form.elements.submission.value, url: form.action || location.href, fields: fields,
      title: form.elements.title ? form.elements.title.value : "", queuedAt: Date.now(), owner: OWNER };
    store("readwrite", function (queue) { return queue.put(entry); }, done);
  }

  function send(entry) {
    var body = new FormData();
    var token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1];
    entry.fields.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken" && token) { pair = [pair[0], decodeURIComponent(token)]; }  // the sign-in may be newer than the report
      if (pair[1] instanceof Blob) { body.append(pair[0], pair[1], pair[2] || "photo.jpg"); } else { body.append(pair[0], pair[1]); }
    });
    return fetch(entry.url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "report-queue" } })
      .then(function (response) {
        if (response.redirected && /\/console\/cases\/\d+\/$/.test(new URL(response.url).pathname)) {
          store("readwrite", function (queue) { return queue.delete(entry.key); });
          showLink(text.sent.replace("%s", entry.title), response.url);
          return true;
        }
        // Refused (the form's rules, or signed out): its words go back into the form, to be
        // mended and sent as an ordinary report, so nothing typed is lost.
        entry.fields.forEach(function (pair) {
          var field = form.elements[pair[0]];
          if (field && DRAFTED.indexOf(pair[0]) !== -1 && typeof pair[1] === "string") { field.value = pair[1]; }
        });
        saveDraft();
        store("readwrite", function (queue) { return queue.delete(entry.key); });
        say(text.refused.replace("%s", entry.title));
        return false;
      });
  }

  function flush() {
    if (!navigator.onLine) { return; }
    store("readonly", function (queue) { return queue.getAll(); }, function (entries) {
      (entries || []).filter(function (entry) { return entry.owner === OWNER; }).reduce(function (previous, entry) {
        return previous.then(function () { return send(entry); });
      }, Promise.resolve()).catch(function () { say(text.stillOffline); });
    });
  }

  function fieldsOf() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size) { fields.push([name, value.slice(0, value.size, value.type), value.name]); }
      } else { fields.push([name, value]); }
    });
    return fields;
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) { clearDraft(); return; }  // online: the ordinary post, errors shown by the server
    event.preventDefault();
    keep(fieldsOf(), function () {
      clearDraft();
      say(text.queued.replace("%s", form.elements.title.value));
      form.reset();
      form.elements.submission.value = newKey();  // the next report is another report
    });
  });
  window.addEventListener("online", flush);
  flush();

  // The page itself opens without a network once visited (where the browser allows a service
  // worker: HTTPS, or this machine).
  if ("serviceWorker" in navigator && panel.dataset.worker) {
    navigator.serviceWorker.register(panel.dataset.worker).catch(function () { /* pages still work online */ });
  }
})();
