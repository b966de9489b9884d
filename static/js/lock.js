// Automatic locking, as the page sees it. The server is what locks: a device quiet for the
// chosen minutes is locked at its next request, page or no page. This script only makes an
// open page follow: when the same time passes with no request from it, the page is replaced
// by the lock screen, so private text does not stay on a screen left alone. Words not kept
// yet (reflections.js's unkeptWords: a box with unsaved text, a form that keeps what was
// typed, such as the support circle's, with anything changed, or words a refusal gave back)
// are never thrown away: then the page stays, and its next save is answered "locked" and
// keeps the text.
(function () {
  "use strict";

  var minutes = Number(document.body.dataset.lockAfter || 0);
  if (!minutes) return;
  var timer = null;

  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (window.unkeptWords && window.unkeptWords()) return; // reflections.js
      var here = window.location.pathname + window.location.search;
      window.location.replace("/lock/?next=" + encodeURIComponent(here));
    }, minutes * 60 * 1000 + 2000);
  }

  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();
