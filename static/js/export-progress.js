// The eBirth exports page: while a batch runs, ask for its progress every two seconds and
// show it; when it has finished, reload the page so that its files and checksums appear.
(function () {
  "use strict";
  var rows = document.querySelectorAll("tr[data-running]");
  rows.forEach(function (row) {
    var bar = row.querySelector("progress");
    var label = row.querySelector(".status-label");
    var count = row.querySelector(".messages-count");
    function poll() {
      fetch(row.dataset.progressUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (p) {
          if (p.finished) { window.location.reload(); return; }
          if (bar) { bar.value = p.percent; bar.textContent = p.percent + " %"; }
          if (label) { label.textContent = p.status_label; }
          if (count) { count.textContent = p.messages; }
          row.querySelectorAll("[data-field]").forEach(function (field) {
            field.textContent = p[field.dataset.field];
          });
          window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
