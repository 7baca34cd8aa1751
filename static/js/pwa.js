// The installable web app on the page's side (issue 14). No inline script (the CSP), no CDN.
//
// 1. Registers the service worker (/sw.js, static/js/sw.js) for the whole site.
// 2. Tells the outbox (static/js/pwa-outbox.js, IndexedDB) who is signed in here: the
//    visits kept on this phone are only ever sent with their author's session.
// 3. A home visit saved without network (drafts.js calls MdPwa.queue) goes into the outbox:
//    "waiting to be sent" on the page and, with a count, in the header. It is sent when the
//    "online" event fires, at the next page opened, and by the service worker (Background
//    Sync) — the same code (MdOutbox.flush), saved once thanks to its client_key. A visit
//    the server refuses is kept, marked "needs your attention", with a link that opens its
//    form filled in again (drafts.js, #verzenden-<client_key>).
// 4. The home visit form opened is kept as an empty form (the page's heading and the form,
//    not the record's entries, not what was typed) for a reload without network.
// 5. At sign-out, the outbox and the pages' copies are wiped (asking first when a visit has
//    not been sent: it would be lost); the static files' cache (the same for everybody)
//    stays.
// 6. The offline page (config/pwa.py) lists the visits waiting on this phone.
(function () {
  "use strict";

  var PAGES = "md-pages-v1";
  var REOPEN = "#verzenden-";
  var body = document.body;
  var root = document.documentElement;
  var texts = document.getElementById("pwa-texts");
  var outbox = window.MdOutbox;
  var user = body && body.getAttribute("data-draft-user");
  var offlinePage = document.getElementById("offline-page");
  var isCopy = root.hasAttribute("data-offline-copy");
  var usable = !!(outbox && outbox.available() && texts);

  function text(name, values) {
    var element = texts && texts.content.querySelector("[data-text='" + name + "']");
    var found = element ? element.textContent.trim() : name;
    Object.keys(values || {}).forEach(function (key) {
      found = found.split("%(" + key + ")s").join(values[key]);
    });
    return found;
  }

  function bodyText(name, fallback) {
    return body.getAttribute("data-outbox-" + name) || fallback;
  }

  function noop() {}

  // --- the service worker ------------------------------------------------------------------

  function register() {
    if (!("serviceWorker" in navigator) || !texts) return;
    navigator.serviceWorker.register(texts.getAttribute("data-sw"), { scope: "/" })
      .then(function (registration) {
        // a worker made for another language keeps the offline page in that language
        try {
          var language = root.lang;
          if (localStorage.getItem("md:sw-language") !== language) {
            localStorage.setItem("md:sw-language", language);
            registration.update().catch(noop);
          }
        } catch (error) { /* no storage: the next check comes anyway */ }
      }).catch(noop); // no service worker here (no HTTPS, a private window): as before
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox") refresh();
    });
  }

  function backgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("md-outbox");
      return null;
    }).catch(noop);
  }

  // --- the copies of pages -----------------------------------------------------------------

  function dropPages() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("md-pages-") === 0;
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  function visitForm() {
    var key = document.querySelector("main form input[name=client_key]");
    return key ? key.form : null;
  }

  function localNow() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 16);
  }

  // The form as the server gave it (the attributes, not what was typed), inside the page's
  // frame and heading; nothing else of the record.
  function keepCopy(form) {
    if (!window.caches || isCopy || document.querySelector("main .errorlist")) return;
    var keep = form.closest("section, .card") || form;
    keep.setAttribute("data-offline-keep", "");
    var copy = root.cloneNode(true);
    keep.removeAttribute("data-offline-keep");
    copy.setAttribute("data-offline-copy", "");
    var main = copy.querySelector("main");
    Array.prototype.slice.call(main.children).forEach(function (child) {
      if (!child.matches(".breadcrumb, .page-head, [data-offline-keep]")) child.remove();
    });
    copy.querySelectorAll(".draft-notice, #outbox-status, #pending-post, .outbox-link")
      .forEach(function (element) { element.remove(); });
    var kept = copy.querySelector("[data-offline-keep]");
    kept.removeAttribute("data-offline-keep");
    var details = kept.querySelector("details");
    if (details) details.setAttribute("open", "");
    var key = kept.querySelector("input[name=client_key]");
    if (key) key.setAttribute("value", ""); // each visit typed in the copy gets its own id
    kept.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
      var value = input.getAttribute("value");
      if (value && Math.abs(new Date(value).getTime() - Date.now()) < 10 * 60 * 1000) {
        input.setAttribute("value", ""); // the server's "now": now when the copy is opened
        input.setAttribute("data-offline-now", "");
      }
    });
    var html = "<!doctype html>\n" + copy.outerHTML;
    caches.open(PAGES).then(function (cache) {
      return cache.put(window.location.href.split("#")[0], new Response(html, {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      }));
    }).catch(noop);
  }

  function openCopy() {
    document.querySelectorAll("input[data-offline-now]").forEach(function (input) {
      if (!input.value) input.value = localNow();
    });
    var main = document.querySelector("main");
    if (!main) return;
    var notice = document.createElement("p");
    notice.className = "draft-notice offline-copy";
    notice.setAttribute("role", "status");
    notice.textContent = text("copy");
    main.insertBefore(notice, main.firstChild);
  }

  // --- who, which record -------------------------------------------------------------------

  function recordLabel() {
    var found = window.location.pathname.match(/^\/dossiers\/([0-9a-f-]{36})\//);
    if (!found) return Promise.resolve("");
    var heading = document.querySelector("main h1");
    if (window.location.pathname === "/dossiers/" + found[1] + "/" && heading) {
      // the record's page: its heading names the record as this reader may see it
      var name = heading.textContent.trim();
      return outbox.setMeta("record:" + found[1], name).then(function () { return name; });
    }
    return outbox.meta("record:" + found[1]).then(function (name) { return name || ""; });
  }

  var label = "";

  function remember() {
    if (offlinePage) return Promise.resolve();
    if (!user) {
      if (window.sessionStorage && sessionStorage.getItem("md:signed-out")) {
        sessionStorage.removeItem("md:signed-out");
        return wipe(); // finish what the sign-out began
      }
      return outbox.setMeta("user", null); // signed out or not yet in: nothing is sent
    }
    return outbox.meta("last").then(function (last) {
      var other = last && last !== user ? dropPages() : Promise.resolve();
      return other.then(function () {
        return Promise.all([outbox.setMeta("user", user), outbox.setMeta("last", user)]);
      });
    }).then(recordLabel).then(function (name) {
      var form = visitForm();
      var heading = document.querySelector("main h1");
      var parts = [name, form && heading ? heading.textContent.trim() : ""];
      label = parts.filter(Boolean).join(" · ");
      if (!form) return null;
      keepCopy(form);
      return outbox.setMeta("page:" + window.location.pathname, {
        label: label, draft: window.MdDrafts ? window.MdDrafts.keyOf(form) : "",
      });
    });
  }

  // --- the outbox ---------------------------------------------------------------------------

  function csrf() {
    if (isCopy || offlinePage) return null; // a kept page's token may be stale
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : null;
  }

  function pairs(form) {
    var list = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") list.push([name, value]);
    });
    return list;
  }

  function queue(form, draft) {
    var action = new URL(form.getAttribute("action") || window.location.href,
      window.location.href).href;
    var values = pairs(form);
    var key = "";
    values.forEach(function (pair) { if (pair[0] === "client_key") key = pair[1]; });
    var item = {
      client_key: key, user: String(user), url: action,
      page: window.location.href.split("#")[0], fields: values, saved_at: Date.now(),
      label: label, draft: draft || "", state: "waiting", problem: "",
    };
    return outbox.put(item).then(function () {
      say(bodyText("waiting", "Waiting to be sent."), "waiting");
      header();
      backgroundSync();
      if (navigator.onLine !== false) flush(); // a kept copy, online again: try at once
    }, function () {
      say(text("not-kept"), "check");
    });
  }

  var flushing = null;

  function flush() {
    if (!usable || !user || navigator.onLine === false) return Promise.resolve();
    if (flushing) return flushing;
    flushing = outbox.flush({ user: user, csrf: csrf() }).catch(noop).then(function (report) {
      flushing = null;
      return refresh(report || {});
    });
    return flushing;
  }

  function say(message, kind, link) {
    var box = document.getElementById("outbox-status");
    var main = document.querySelector("main");
    if (!box) {
      if (!main) return;
      box = document.createElement("p");
      box.id = "outbox-status";
      box.setAttribute("role", "status");
      main.insertBefore(box, main.firstChild);
    }
    box.className = "draft-notice outbox-" + kind;
    box.textContent = message + (link ? " " : "");
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      box.appendChild(anchor);
    }
  }

  function reopenLink(item) {
    return { href: item.page + REOPEN + item.client_key, text: text("open") };
  }

  function header() {
    if (!user) return Promise.resolve();
    return outbox.items(user).then(function (list) {
      var nav = document.querySelector(".topbar-actions");
      var link = document.querySelector(".outbox-link");
      var waiting = list.filter(function (item) { return item.state === "waiting"; }).length;
      var attention = list.filter(function (item) { return item.state === "attention"; }).length;
      if (!waiting && !attention) {
        if (link) link.remove();
        return list;
      }
      if (!nav) return list;
      if (!link) {
        link = document.createElement("a");
        link.className = "inbox-link outbox-link";
        link.href = texts.getAttribute("data-offline");
        var name = nav.querySelector(".user-name");
        nav.insertBefore(link, name || null);
      }
      link.classList.toggle("outbox-attention", attention > 0);
      link.textContent = attention ?
        text("header-attention", { count: attention }) :
        text("header-waiting", { count: waiting });
      return list;
    });
  }

  // After a send (here or by the service worker): the visits saved lose their drafts and are
  // forgotten; the page says what happened.
  function refresh(report) {
    report = report || {};
    if (!usable || !user) return Promise.resolve();
    return outbox.items(user).then(function (list) {
      var sent = list.filter(function (item) { return item.state === "sent"; });
      return Promise.all(sent.map(function (item) {
        if (window.MdDrafts) window.MdDrafts.discard(item.draft, item.client_key);
        return outbox.remove(item.client_key);
      })).then(function () {
        var attention = list.filter(function (item) { return item.state === "attention"; });
        var waiting = list.filter(function (item) { return item.state === "waiting"; });
        if (attention.length) {
          say(bodyText("check", "Not saved: open the form, check it and save."), "check",
            reopenLink(attention[0]));
        } else if (waiting.length && waiting.some(function (item) {
          return item.problem === "signin";
        })) {
          say(bodyText("signin", "Sign in to send what is waiting."), "signin");
        } else if (waiting.length) {
          say(bodyText("waiting", "Waiting to be sent."), "waiting");
        } else if (sent.length || (report.sent && report.sent.length)) {
          say(bodyText("sent", "Sent."), "sent");
        }
        return header();
      }).then(function () {
        if (offlinePage) return showList();
        return null;
      });
    });
  }

  // --- the offline page's list --------------------------------------------------------------

  function showList() {
    var list = document.getElementById("outbox-list");
    if (!list) return Promise.resolve();
    var online = navigator.onLine !== false && window.location.pathname ===
      texts.getAttribute("data-offline");
    document.getElementById("offline-title").hidden = online;
    document.getElementById("waiting-title").hidden = !online;
    var again = document.getElementById("offline-again");
    if (again && window.location.pathname !== texts.getAttribute("data-offline")) {
      again.href = window.location.href; // the page she wanted
    }
    return outbox.meta("last").then(function (last) {
      return last ? outbox.items(last) : [];
    }).then(function (items) {
      items = items.filter(function (item) { return item.state !== "sent"; });
      list.textContent = "";
      document.getElementById("outbox-empty").hidden = items.length > 0;
      items.forEach(function (item) {
        var row = document.createElement("li");
        row.className = "card outbox-item outbox-" + item.state;
        var title = document.createElement("h3");
        title.textContent = item.label || text("visit");
        row.appendChild(title);
        var when = document.createElement("p");
        when.className = "muted";
        when.textContent = text("kept-since", {
          when: new Date(item.saved_at).toLocaleString(root.lang || undefined,
            { dateStyle: "short", timeStyle: "short" }),
        });
        row.appendChild(when);
        var state = document.createElement("p");
        state.className = "outbox-state";
        state.textContent = item.state === "attention" ? text("state-attention") :
          item.problem === "signin" ? text("state-signin") : text("state-waiting");
        row.appendChild(state);
        var actions = document.createElement("p");
        actions.className = "outbox-actions";
        var open = document.createElement("a");
        open.className = "button small";
        open.href = reopenLink(item).href;
        open.textContent = text("open");
        actions.appendChild(open);
        if (item.state === "attention") {
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "button small warn";
          drop.textContent = text("remove");
          drop.addEventListener("click", function () {
            if (!window.confirm(text("remove-confirm"))) return;
            outbox.remove(item.client_key).then(showList);
          });
          actions.appendChild(drop);
        }
        row.appendChild(actions);
        list.appendChild(row);
      });
    }).catch(noop);
  }

  // --- sign-out ----------------------------------------------------------------------------

  function wipe() {
    if (window.MdDrafts) window.MdDrafts.clearAll();
    return Promise.all([outbox.clear(), dropPages()]);
  }

  function signOut(form) {
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-wiped")) return;
      event.preventDefault();
      outbox.items().then(function (list) { // everything this browser keeps is wiped
        var unsent = list.filter(function (item) { return item.state !== "sent"; }).length;
        return !unsent || window.confirm(text("signout-confirm", { count: unsent }));
      }, function () {
        return true;
      }).then(function (go) {
        if (!go) return;
        try {
          sessionStorage.setItem("md:signed-out", "1");
        } catch (error) { /* the next page cannot finish it: the wipe below must */ }
        var done = false;
        var leave = function () {
          if (done) return;
          done = true;
          form.setAttribute("data-wiped", "");
          form.submit();
        };
        window.setTimeout(leave, 3000); // whatever happens, she is signed out
        wipe().then(leave, leave);
      });
    });
  }

  // --- the localStorage outbox of the first version, moved here once ------------------------

  function migrate() {
    var moves = [];
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var name = localStorage.key(i);
        if (!name || name.indexOf("outbox:v1:") !== 0) continue;
        var owner = name.slice("outbox:v1:".length);
        var old = JSON.parse(localStorage.getItem(name) || "[]");
        moves.push(Promise.all(old.map(function (entry) {
          var key = "";
          (entry.body || []).forEach(function (pair) { if (pair[0] === "client_key") key = pair[1]; });
          if (!key || !entry.url) return null;
          return outbox.get(key).then(function (known) {
            return known || outbox.put({
              client_key: key, user: owner, url: entry.url, page: entry.url,
              fields: entry.body, saved_at: entry.at || Date.now(), label: "",
              draft: entry.draft || "", state: "waiting", problem: "",
            });
          });
        })).then(function (stored) {
          localStorage.removeItem(this);
          return stored;
        }.bind(name)));
      }
    } catch (error) { /* unreadable: left where it is */ }
    return Promise.all(moves).catch(noop);
  }

  // -------------------------------------------------------------------------------------------

  window.MdPwa = {
    usable: function () { return usable && !!user; },
    isCopy: function () { return isCopy; },
    queue: queue,
    get: function (key) { return outbox.get(key); },
    forget: function (key) { return outbox.remove(key).then(header).catch(noop); },
    reopenPrefix: REOPEN,
  };

  function start() {
    register();
    if (isCopy) openCopy();
    if (!usable) return;
    if (user) {
      document.querySelectorAll("form[data-drafts-clear]").forEach(signOut);
    }
    migrate().then(remember).catch(noop).then(function () {
      return user ? refresh().then(flush) : offlinePage ? showList() : null;
    }).catch(noop);
    window.addEventListener("online", function () {
      if (offlinePage && window.location.pathname !== texts.getAttribute("data-offline")) {
        window.location.reload(); // shown instead of a page: the page itself, now it is back
        return;
      }
      flush();
      if (offlinePage) showList();
    });
    window.addEventListener("offline", function () { if (offlinePage) showList(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
