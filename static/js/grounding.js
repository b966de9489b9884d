// The grounding exercise's way back. In a lesson it opens in place (a <details>), and its end
// is a long scroll below the summary that opened it: the link there, which without JavaScript
// leads back to that summary, closes the exercise and puts the focus back on the summary. On
// its own page, "Go back to where you were" leads to the page its link was on; when that is
// the page just before in this tab, going back returns to the same spot on it, not its top.
(function () {
  "use strict";

  document.querySelectorAll("[data-grounding-close]").forEach(function (link) {
    link.textContent = link.dataset.closeLabel;
  });

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("[data-grounding-close], [data-grounding-back]") : null;
    if (!link) return;
    if (link.hasAttribute("data-grounding-close")) {
      var exercise = link.closest("details");
      if (!exercise) return;
      event.preventDefault();
      exercise.open = false;
      var summary = exercise.querySelector("summary");
      summary.focus();
      summary.scrollIntoView({ block: "start" });
      return;
    }
    var before = null;
    try {
      before = document.referrer ? new URL(document.referrer) : null;
    } catch (e) {
      before = null;
    }
    if (before && before.origin === location.origin && before.pathname === link.pathname && history.length > 1) {
      event.preventDefault();
      history.back();
    }
  });
})();
