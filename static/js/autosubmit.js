// A <select data-autosubmit> sends its form as soon as a choice is made (the language
// switch in the header); without JavaScript the form's own button does it. Kept out of the
// page itself: the Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
