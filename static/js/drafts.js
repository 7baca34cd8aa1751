// Forms that never lose a visit (issue 14). No inline script (the CSP forbids it), no CDN.
//
// 1. Every form of a page that posts (not the sign-in, not those marked data-no-draft) is
//    kept in this browser's localStorage as it is typed, under the signed-in user and the
//    page (data-draft-user on <body>): closing the tab or losing the connection loses
//    nothing. Back on the page, the draft is put back with "Concept hersteld — Wissen".
// 2. A draft is dropped after a save that succeeded (the next page shows a success
//    message), when "Wissen" is pressed, at log-out, and after MAX_AGE_MS.
// 3. After a sign-in that followed an expired session, the server hands the form's kept
//    values (config/pending_post.py) as JSON in #pending-post; they fill the form, which
//    the user checks and saves herself.
// 4. A home visit saved while the phone is offline (a form with a client_key field) is not
//    sent into the void: it goes to the outbox kept in IndexedDB (static/js/pwa.js,
//    pwa-outbox.js; "waiting to be sent") and is sent when the network is back. The
//    client_key, an id made here, makes the server save a visit sent twice only once; a visit
//    the server refuses stays in the outbox, "needs your attention", and its link
//    (#verzenden-<client_key>) puts it back in its form here, to check and save.
(function () {
  "use strict";

  var MAX_AGE_MS = 7 * 24 * 3600 * 1000; // a week: a draft older than that is stale
  var PREFIX = "draft:v1:";
  var SUBMITTED = "draft:submitted";
  var SUBMITTED_VISIT = "draft:submitted-visit";
  var SKIP_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  var body = document.body;
  var user = body && body.getAttribute("data-draft-user");

  function storage(kind) {
    try {
      var store = window[kind];
      store.setItem("draft:probe", "1");
      store.removeItem("draft:probe");
      return store;
    } catch (error) {
      return null; // private mode, quota, disabled: the page works as before
    }
  }

  var local = storage("localStorage");
  var session = storage("sessionStorage");

  function actionPath(form) {
    var action = form.getAttribute("action");
    if (!action) return window.location.pathname;
    try {
      return new URL(action, window.location.href).pathname;
    } catch (error) {
      return action;
    }
  }

  function draftable(form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return false;
    if (form.hasAttribute("data-no-draft") || form.querySelector(
      "input[type=password], [autocomplete=one-time-code], [autocomplete=username]")) {
      return false;
    }
    return fields(form).length > 0;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      if (element.name === "client_key") return true; // the visit's id travels with it
      return element.name && element.name !== "csrfmiddlewaretoken" && !element.disabled &&
        SKIP_TYPES.indexOf((element.type || "").toLowerCase()) === -1 &&
        /^(INPUT|SELECT|TEXTAREA)$/.test(element.tagName);
    });
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (element) {
      var list = values[element.name] || (values[element.name] = []);
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) list.push(element.value);
      } else if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          if (option.selected) list.push(option.value);
        });
      } else {
        list.push(element.value);
      }
    });
    return values;
  }

  function fill(form, values) {
    var seen = {};
    fields(form).forEach(function (element) {
      if (!Object.prototype.hasOwnProperty.call(values, element.name)) return;
      var list = values[element.name] || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = list.indexOf(element.value) !== -1;
      } else if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = list.indexOf(option.value) !== -1;
        });
      } else {
        var index = seen[element.name] || 0;
        seen[element.name] = index + 1;
        if (index < list.length) element.value = list[index];
      }
    });
    var details = form.closest("details");
    if (details) details.open = true;
  }

  function same(a, b) { // what was typed, whatever id the visit carries
    var strip = function (values) {
      var copy = Object.assign({}, values);
      delete copy.client_key;
      return JSON.stringify(copy);
    };
    return strip(a) === strip(b);
  }

  function forms() {
    var counts = {};
    var found = [];
    Array.prototype.forEach.call(document.querySelectorAll("main form"), function (form) {
      if (!draftable(form)) return;
      var path = actionPath(form);
      counts[path] = (counts[path] || 0) + 1;
      found.push({
        form: form,
        key: PREFIX + user + ":" + window.location.pathname + ":" + path + ":" + counts[path],
      });
    });
    return found;
  }

  function notice(form, key, original) {
    var box = document.createElement("p");
    box.className = "draft-notice";
    box.setAttribute("role", "status");
    box.textContent = (body.getAttribute("data-draft-restored") || "Draft restored.") + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small";
    discard.textContent = body.getAttribute("data-draft-discard") || "Discard";
    discard.addEventListener("click", function () {
      local.removeItem(key);
      fill(form, original);
      box.remove();
    });
    box.appendChild(discard);
    form.insertBefore(box, form.firstChild);
  }

  function settleLastSubmit() {
    if (!session) return;
    var key = session.getItem(SUBMITTED);
    if (!key) return;
    session.removeItem(SUBMITTED);
    var saved = document.querySelector(".message-success");
    var failed = document.querySelector("main .errorlist, main [aria-invalid=true]");
    if (saved && !failed) local.removeItem(key);
  }

  function clearAll() {
    for (var i = local.length - 1; i >= 0; i--) {
      var key = local.key(i);
      if (key && key.indexOf(PREFIX + user + ":") === 0) local.removeItem(key);
    }
  }

  function pendingPost() {
    var element = document.getElementById("pending-post");
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  // --- the visits saved without network (static/js/pwa.js, IndexedDB) ----------------------

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function pwa() {
    return window.MdPwa && window.MdPwa.usable() ? window.MdPwa : null;
  }

  function valuesOf(pairs) {
    var values = {};
    pairs.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken") return;
      (values[pair[0]] || (values[pair[0]] = [])).push(pair[1]);
    });
    return values;
  }

  var entries = []; // {form, key, original, clientKey} of the page's draftable forms

  // A visit sent from the outbox (by this page or the service worker): its draft goes; if its
  // form is on this page, the form is emptied for the next visit, with a new id.
  function draftOf(draftKey, clientKey) { // the draft, if it is still that visit's
    try {
      var draft = JSON.parse(local.getItem(draftKey) || "null");
      var keys = draft && draft.values && draft.values.client_key;
      return keys && keys[0] === clientKey ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function discard(draftKey, clientKey) {
    if (draftKey && draftOf(draftKey, clientKey)) local.removeItem(draftKey);
    entries.forEach(function (entry) {
      if (!entry.clientKey || entry.clientKey.value !== clientKey) return;
      if (draftOf(entry.key, clientKey)) local.removeItem(entry.key);
      fill(entry.form, entry.original);
      entry.clientKey.value = newKey();
      var shown = entry.form.querySelector(".draft-notice");
      if (shown) shown.remove();
    });
  }

  // "Open the form" of a visit kept on the phone (#verzenden-<client_key>): back in its form,
  // with its id, to check and save.
  function reopen() {
    var tool = pwa();
    var hash = window.location.hash;
    if (!tool || hash.indexOf(tool.reopenPrefix) !== 0) return;
    var wanted = hash.slice(tool.reopenPrefix.length);
    tool.get(wanted).then(function (item) {
      if (!item || item.user !== String(user)) return;
      var target = null;
      entries.forEach(function (entry) {
        if (entry.clientKey && actionPath(entry.form) === new URL(item.url).pathname) {
          target = target || entry;
        }
      });
      if (!target) return;
      var values = valuesOf(item.fields);
      fill(target.form, values);
      target.clientKey.value = item.client_key;
      local.setItem(target.key, JSON.stringify({ savedAt: Date.now(), values: read(target.form) }));
      var old = target.form.querySelector(".draft-notice");
      if (old) old.remove();
      var box = document.createElement("p");
      box.className = "draft-notice";
      box.setAttribute("role", "status");
      var texts = document.getElementById("pwa-texts");
      var said = texts && texts.content.querySelector("[data-text=reopened]");
      box.textContent = said ? said.textContent.trim() :
        "The visit kept on this phone is back in its form: check it and save.";
      target.form.insertBefore(box, target.form.firstChild);
      target.form.scrollIntoView();
    });
  }

  function settleVisit() { // a visit of the outbox saved by hand: the outbox forgets it
    if (!session) return;
    var clientKey = session.getItem(SUBMITTED_VISIT);
    if (!clientKey) return;
    session.removeItem(SUBMITTED_VISIT);
    var saved = document.querySelector(".message-success");
    var failed = document.querySelector("main .errorlist, main [aria-invalid=true]");
    var tool = pwa();
    if (saved && !failed && tool) tool.forget(clientKey);
  }

  function clearAllUsers() {
    for (var i = local.length - 1; i >= 0; i--) {
      var key = local.key(i);
      if (key && key.indexOf(PREFIX) === 0) local.removeItem(key);
    }
  }

  window.MdDrafts = {
    keyOf: function (form) {
      var found = "";
      entries.forEach(function (entry) { if (entry.form === form) found = entry.key; });
      return found;
    },
    discard: function (draftKey, clientKey) {
      if (local) discard(draftKey, clientKey);
    },
    clearAll: function () {
      if (local) clearAllUsers(); // at sign-out: every draft of this browser
    },
  };

  function start() {
    if (!user || !local) return;
    settleLastSubmit();
    settleVisit();
    var now = Date.now();
    var pending = pendingPost();
    forms().forEach(function (entry) {
      var form = entry.form;
      var key = entry.key;
      var original = read(form);
      var restored = null;
      if (pending && actionPath(form) === window.location.pathname) {
        restored = pending; // the server's copy of a save made after the session ended
        pending = null;
      } else {
        try {
          var draft = JSON.parse(local.getItem(key) || "null");
          if (draft && now - draft.savedAt < MAX_AGE_MS) restored = draft.values;
          else if (draft) local.removeItem(key);
        } catch (error) {
          local.removeItem(key);
        }
      }
      if (restored && !same(restored, original)) {
        fill(form, restored);
        local.setItem(key, JSON.stringify({ savedAt: now, values: read(form) }));
        notice(form, key, original);
      }
      var timer = null;
      function keep() {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          var values = read(form);
          if (same(values, original)) local.removeItem(key);
          else local.setItem(key, JSON.stringify({ savedAt: Date.now(), values: values }));
        }, 250);
      }
      form.addEventListener("input", keep);
      form.addEventListener("change", keep);
      var clientKey = form.querySelector("input[name=client_key]");
      if (clientKey && !clientKey.value) clientKey.value = newKey();
      entries.push({ form: form, key: key, original: original, clientKey: clientKey });
      form.addEventListener("submit", function (event) {
        window.clearTimeout(timer);
        local.setItem(key, JSON.stringify({ savedAt: Date.now(), values: read(form) }));
        var tool = pwa();
        if (clientKey && tool && (navigator.onLine === false || tool.isCopy())) {
          // no network (or the page is the copy kept on the phone): into the outbox, sent
          // when the network is back; the form keeps its id, so a visit saved twice (the
          // button pressed again) is one visit
          event.preventDefault();
          tool.queue(form, key);
          return;
        }
        if (session) session.setItem(SUBMITTED, key);
        if (session && clientKey) session.setItem(SUBMITTED_VISIT, clientKey.value);
      });
    });
    reopen();
    window.addEventListener("hashchange", reopen); // "Open the form" on the form's own page
    if (!window.MdPwa) { // without pwa.js the sign-out still drops this person's drafts
      Array.prototype.forEach.call(document.querySelectorAll("form[data-drafts-clear]"),
        function (form) { form.addEventListener("submit", clearAll); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
