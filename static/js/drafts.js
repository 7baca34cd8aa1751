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
//    sent into the void: it waits in an outbox in localStorage ("waiting to be sent") and is
//    sent when the network is back (or at the next page opened online). The client_key, an
//    id made here, makes the server save a visit sent twice only once; a visit the server
//    refuses (its form has an error) stays as a draft on its form, to check and save.
(function () {
  "use strict";

  var MAX_AGE_MS = 7 * 24 * 3600 * 1000; // a week: a draft older than that is stale
  var PREFIX = "draft:v1:";
  var SUBMITTED = "draft:submitted";
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

  // --- the outbox of visits saved offline ------------------------------------------------

  var OUTBOX = "outbox:v1:" + user;

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

  function outbox() {
    try {
      return JSON.parse(local.getItem(OUTBOX) || "[]");
    } catch (error) {
      return [];
    }
  }

  function setOutbox(items) {
    if (items.length) local.setItem(OUTBOX, JSON.stringify(items));
    else local.removeItem(OUTBOX);
  }

  function say(text, kind) {
    var box = document.getElementById("outbox-status");
    if (!box) {
      box = document.createElement("p");
      box.id = "outbox-status";
      box.setAttribute("role", "status");
      var main = document.querySelector("main");
      if (!main) return;
      main.insertBefore(box, main.firstChild);
    }
    box.className = "draft-notice outbox-" + kind;
    box.textContent = text;
  }

  function text(name, fallback) {
    return body.getAttribute("data-outbox-" + name) || fallback;
  }

  function queue(form, key) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") pairs.push([name, value]);
    });
    var items = outbox();
    items.push({ url: new URL(form.getAttribute("action") || window.location.href,
      window.location.href).href, body: pairs, draft: key, at: Date.now() });
    setOutbox(items);
    say(text("waiting", "Waiting to be sent."), "waiting");
  }

  var flushing = false;

  function flush() {
    var items = outbox();
    if (flushing || !items.length || navigator.onLine === false) return;
    flushing = true;
    var item = items[0];
    window.fetch(item.url, {
      method: "POST", credentials: "same-origin", redirect: "follow",
      body: new URLSearchParams(item.body),
    }).then(function (response) {
      var signIn = /\/aanmelden\//.test(new URL(response.url).pathname);
      if (signIn) {
        say(text("signin", "Sign in to send what is waiting."), "signin");
        return false;
      }
      setOutbox(outbox().slice(1));
      if (response.ok && response.redirected) {
        local.removeItem(item.draft);
        say(text("sent", "Sent."), "sent");
      } else {
        say(text("check", "Not saved: open the form, check it and save."), "check");
      }
      return true;
    }).catch(function () {
      return false; // still no network: it waits
    }).then(function (again) {
      flushing = false;
      if (again) flush();
    });
  }

  function start() {
    if (!user || !local) return;
    settleLastSubmit();
    if (outbox().length) say(text("waiting", "Waiting to be sent."), "waiting");
    window.addEventListener("online", flush);
    flush();
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
      form.addEventListener("submit", function (event) {
        window.clearTimeout(timer);
        local.setItem(key, JSON.stringify({ savedAt: Date.now(), values: read(form) }));
        if (clientKey && navigator.onLine === false) {
          event.preventDefault(); // no network: into the outbox, sent when it is back
          queue(form, key); // the form keeps its id: saved again by hand, it is deduplicated
          return;
        }
        if (session) session.setItem(SUBMITTED, key);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-drafts-clear]"),
      function (form) { form.addEventListener("submit", clearAll); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
