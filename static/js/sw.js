// The service worker of the installable web app (issue 14), served at /sw.js by
// config/pwa.py, which puts "use strict" and self.MD_CONFIG on the lines above this one: the
// version, the static files to keep, the offline page, the outbox module, the static files'
// path and the sign-in path.
//
// What it keeps in this browser, and what it does not (privacy):
// - "md-static-<version>": the app's own static files (css, js, icons: the same for
//   everybody) and the offline page, rendered for nobody in particular (config/pwa.py).
// - It never keeps an answer of the server for a page: every page of a signed-in person
//   carries Cache-Control: no-store (config/security.py) and stays out of every cache, the
//   API and downloads too (the worker does not even look at them).
// - The one exception is made by the page itself, not here: the home visit form the
//   midwife opened is kept as an empty form ("md-pages-v1", static/js/pwa.js) — the form
//   and the page's heading, not the record's entries — so that a page reloaded without
//   network still lets her type and keep a visit.
// - At sign-out the pages' copies and the outbox (IndexedDB) are wiped
//   (static/js/pwa.js); so are another person's copies when somebody else signs in.
//
// Pages: the network first; without network, the kept copy of that page (the visit form),
// else the offline page. Static files: from the cache of this version, else the network.
// A home visit posted while the network is down (the phone believed it was online) is put
// in the outbox here and the form's page opened again, showing it waits.
/* global MdOutbox */

var CONFIG = self.MD_CONFIG;
importScripts(CONFIG.outbox);
MdOutbox.configure({ login: CONFIG.login });

var STATIC = "md-static-" + CONFIG.version;
var PAGES = "md-pages-v1";
var SYNC_TAG = "md-outbox";
var HOME_VISITS = /\/huisbezoeken\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    var offline = fetch(CONFIG.offline, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // half signed in (the code not typed yet), the page is the sign-in: not this one
        if (!response.ok || response.redirected) throw new Error("offline page: " + response.url);
        return cache.put(CONFIG.offline, response);
      });
    return Promise.all([cache.addAll(CONFIG.precache), offline]);
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("md-static-") === 0 && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () {
    // the page's request starts while the worker wakes up: no slower than without it
    if (self.registration.navigationPreload) return self.registration.navigationPreload.enable();
    return null;
  }).then(function () {
    return self.clients.claim();
  }));
});

function offlinePage() {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(CONFIG.offline);
  }).then(function (page) {
    return page || Response.error();
  });
}

function page(event) {
  var request = event.request;
  return Promise.resolve(event.preloadResponse).then(function (preloaded) {
    return preloaded || fetch(request);
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (copy) {
        return copy || cache.match(request, { ignoreSearch: true, ignoreVary: true });
      });
    }).then(function (copy) {
      return copy || offlinePage();
    });
  });
}

function staticFile(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request);
  }).then(function (kept) {
    return kept || fetch(request);
  });
}

function tell() { // the pages update their "waiting to be sent"
  return self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "outbox" }); });
    });
}

// A home visit posted without network: into the outbox, for the person signed in here.
function keep(request) {
  return request.formData().then(function (data) {
    var key = data.get("client_key");
    if (!key) throw new Error("no client_key");
    var from = request.referrer || request.url;
    return Promise.all([MdOutbox.meta("user"), MdOutbox.meta("page:" + new URL(from).pathname)])
      .then(function (found) {
        var user = found[0];
        var known = found[1] || {};
        if (!user) throw new Error("nobody signed in");
        var fields = [];
        data.forEach(function (value, name) {
          if (typeof value === "string") fields.push([name, value]);
        });
        return MdOutbox.put({
          client_key: key, user: user, url: request.url, page: from.split("#")[0],
          fields: fields, saved_at: Date.now(), label: known.label || "",
          draft: known.draft || "", state: "waiting", problem: "",
        });
      }).then(function () {
        if (self.registration.sync) self.registration.sync.register(SYNC_TAG).catch(function () {});
        return Response.redirect(from, 303); // the form's page (its kept copy) says it waits
      });
  }).catch(function () {
    return offlinePage(); // what was typed is still the page's draft (drafts.js)
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate" && HOME_VISITS.test(url.pathname)) {
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () { return keep(copy); }));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(staticFile(request));
  }
  // anything else (the API, exports, the manifest): the network only, nothing kept
});

// Background Sync: the browser wakes the worker when the network is back, even with no page
// open. The same sending as the pages' (MdOutbox.flush), with the token the form had.
self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(MdOutbox.meta("user").then(function (user) {
    if (!user) return null;
    return MdOutbox.flush({ user: user, csrf: null }).then(function (report) {
      return tell().then(function () {
        if (report.later) throw new Error("later"); // the browser tries again
      });
    });
  }));
});
