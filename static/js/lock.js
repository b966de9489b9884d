// Automatic locking, as the page sees it. The server is what locks: a device quiet for the
// chosen minutes is locked at its next request, page or no page. This script only makes an
// open page follow: when the same time passes with no request from it, the page is replaced
// by the lock screen, so private text does not stay on a screen left alone. A box still
// holding unsaved text, or a form that keeps what was typed (data-keep-typed, such as the
// support circle's) with anything changed, is never thrown away: then the page stays, and
// its next save is answered "locked" and keeps the text.
(function () {
  "use strict";

  var minutes = Number(document.body.dataset.lockAfter || 0);
  if (!minutes) return;
  var timer = null;

  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    return field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue;
  }

  function unsavedText() {
    var dirty = false;
    document.querySelectorAll("form[data-reflection]").forEach(function (form) {
      var box = form.querySelector("textarea");
      if (box && box.value !== (form.dataset.saved || box.defaultValue)) dirty = true;
    });
    document.querySelectorAll("form[data-keep-typed]").forEach(function (form) {
      if (Array.prototype.some.call(form.elements, changed)) dirty = true;
    });
    return dirty;
  }

  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (unsavedText()) return;
      var here = window.location.pathname + window.location.search;
      window.location.replace("/lock/?next=" + encodeURIComponent(here));
    }, minutes * 60 * 1000 + 2000);
  }

  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();
