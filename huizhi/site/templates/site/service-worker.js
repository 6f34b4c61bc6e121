{% load static %}// huizhi's service worker (issue 18): the phone report page and the app's own assets open
// without a network once visited. Reports made offline are kept and sent by the page itself
// (huizhi/core/static/huizhi/js/report-queue.js), which also works where no worker may run.
"use strict";
var CACHE = "huizhi-{{ version }}";
var STATIC = "{% get_static_prefix %}";
var OFFLINE_PAGES = ["{% url 'cases:report_phone' %}"];

self.addEventListener("install", function () {
  // Nothing fetched ahead: the report page is kept as it is visited (signed in, never a login page).
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  // Older caches (an earlier version of the app) are dropped.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(STATIC) !== 0 && OFFLINE_PAGES.indexOf(url.pathname) === -1) { return; }
  // The network first (a fresh form, sign-in and assets: static names carry no hash here), the
  // last copy when there is none.
  event.respondWith(fetch(request).then(function (response) {
    var copy = response.clone();
    if (response.ok && !response.redirected) { caches.open(CACHE).then(function (cache) { cache.put(request, copy); }); }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  }));
});
