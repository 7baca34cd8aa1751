// The worklist's deadlines count down while the page is open: every 30 seconds each
// ".countdown[data-deadline]" is rewritten from its translated patterns ("{h}", "{m}"),
// and its card turns red once the 24 hours have passed.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (node) {
      var minutes = Math.floor((Date.parse(node.dataset.deadline) - Date.now()) / 60000);
      var late = minutes < 0;
      var total = Math.abs(minutes);
      var pattern = late ? node.dataset.late : node.dataset.left;
      node.textContent = pattern.replace("{h}", Math.floor(total / 60)).replace("{m}", total % 60);
      var card = node.closest(".card");
      if (card) { card.classList.toggle("alert", late); }
    });
  }
  window.setInterval(tick, 30000);
})();
