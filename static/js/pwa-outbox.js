// The outbox of home visits saved without network (issue 14), kept in this browser's
// IndexedDB. One code for the pages (static/js/pwa.js, drafts.js) and the service worker
// (static/js/sw.js, Background Sync): whoever sends a visit sends it the same way.
//
// An item: {client_key, user, url (where the form posts), page (the form's page), fields
// ([name, value] pairs as the form would post them), saved_at (ms), label (the record as
// the page showed it), draft (the draft's key in localStorage), state, problem}.
// state: "waiting" (sent when the network is back), "attention" (the server refused it: its
// form answered with errors, or a 4xx — kept until she opens it, corrects and saves it, or
// removes it herself; never dropped silently), "sent" (saved; a page then drops its draft,
// says so and forgets it). problem: "signin" when the session had ended (sent again after
// she signs in).
//
// Exactly once: client_key is the visit's id made on the phone; the server saves a visit
// sent again with the same client_key only once (dossier/entries.py), so a send whose answer
// was lost, a page and the service worker sending at the same moment, or the button pressed
// twice never make two visits. The sends are also serialised with a Web Lock where there is
// one.
//
// Only the visits of the person signed in are sent: meta "user" is set by every signed-in
// page and emptied by every page seen signed out (the sign-in page), so a visit kept for one
// midwife is never posted with another person's session.
(function (scope) {
  "use strict";

  var NAME = "moederschapsdossier";
  var VERSION = 1;
  var OUTBOX = "outbox";
  var META = "meta";
  var LOCK = "md-outbox";
  var settings = { login: "/aanmelden/" };
  var opening = null;

  function available() {
    try {
      return !!scope.indexedDB;
    } catch (error) {
      return false;
    }
  }

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(OUTBOX)) {
          db.createObjectStore(OUTBOX, { keyPath: "client_key" });
        }
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "key" });
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = function () {
        opening = null;
        reject(request.error);
      };
    });
    return opening;
  }

  // work(stores) returns an IDBRequest (its result is the answer) or nothing
  function run(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var request = null;
        tx.oncomplete = function () {
          resolve(request ? request.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          reject(tx.error);
        };
        var stores = [].concat(names).map(function (name) { return tx.objectStore(name); });
        request = work.apply(null, stores) || null;
      });
    });
  }

  function items(user) {
    return run(OUTBOX, "readonly", function (store) { return store.getAll(); })
      .then(function (list) {
        return (list || []).filter(function (item) {
          return user === undefined || item.user === String(user);
        }).sort(function (a, b) { return a.saved_at - b.saved_at; });
      });
  }

  function get(key) {
    return run(OUTBOX, "readonly", function (store) { return store.get(key); });
  }

  function put(item) {
    return run(OUTBOX, "readwrite", function (store) { return store.put(item); });
  }

  function remove(key) {
    return run(OUTBOX, "readwrite", function (store) { return store.delete(key); });
  }

  function meta(key) {
    return run(META, "readonly", function (store) { return store.get(key); })
      .then(function (row) { return row ? row.value : null; });
  }

  function setMeta(key, value) {
    return run(META, "readwrite", function (store) {
      return value === null || value === undefined ?
        store.delete(key) : store.put({ key: key, value: value });
    });
  }

  function clear() { // at sign-out: nothing of hers stays in this browser
    return run([OUTBOX, META], "readwrite", function (outbox, rows) {
      outbox.clear();
      rows.clear();
    });
  }

  // One send: "sent", "signin" (the session had ended), "refused" (the server answered the
  // form with errors, or a 4xx), "retry" (a 5xx, or a 403 with the token kept in the item,
  // which may be stale: a page sends again with its own) or "offline".
  function send(item, csrf) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" && csrf ? csrf : pair[1]);
    });
    return scope.fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
    }).then(function (response) {
      var path = new URL(response.url).pathname;
      if (path.indexOf(settings.login) === 0) return "signin";
      if (response.ok && response.redirected) return "sent"; // saved: the list, "Bewaard."
      if (response.status >= 500 || response.status === 408 || response.status === 429) {
        return "retry";
      }
      if (response.status === 403 && !csrf) return "retry";
      return "refused";
    }, function () {
      return "offline";
    });
  }

  function sendAll(options) {
    return meta("user").then(function (current) {
      var report = { sent: [], refused: [], signin: false, later: false };
      if (!current || current !== String(options.user)) return report; // not hers to send
      return items(current).then(function (list) {
        var waiting = list.filter(function (item) { return item.state === "waiting"; });
        function next(index) {
          if (index >= waiting.length) return report;
          var item = waiting[index];
          return send(item, options.csrf).then(function (outcome) {
            if (outcome === "sent") {
              item.state = "sent";
              item.problem = "";
              item.sent_at = Date.now();
              report.sent.push(item);
            } else if (outcome === "refused") {
              item.state = "attention";
              item.problem = "refused";
              report.refused.push(item);
            } else if (outcome === "signin") {
              item.problem = "signin";
              report.signin = true;
            } else {
              report.later = true;
              return report; // no network (or the server is down): all of it later
            }
            return put(item).then(function () {
              return outcome === "signin" ? report : next(index + 1);
            });
          });
        }
        return next(0);
      });
    });
  }

  // Send what waits for options.user; options.csrf: a fresh token (a page), or null (the
  // service worker, a kept copy of a page: the token the form had).
  function flush(options) {
    var locks = scope.navigator && scope.navigator.locks;
    if (locks && locks.request) {
      return locks.request(LOCK, function () { return sendAll(options); });
    }
    return sendAll(options);
  }

  scope.MdOutbox = {
    available: available,
    configure: function (values) { Object.assign(settings, values); },
    items: items,
    get: get,
    put: put,
    remove: remove,
    meta: meta,
    setMeta: setMeta,
    clear: clear,
    send: send,
    flush: flush,
  };
})(self);
