// The privacy notice, opened in place. A tick that asks to agree to the notice, and a refusal
// that says it is missing or changed, link to /privacy/. Following that link would leave the
// page, and the text typed beside the tick goes with it: nothing is sent before the very tick
// the person went to read about (reflections.js). So with JavaScript the link opens the
// notice in a dialog over the page, and nothing typed is touched. Without JavaScript the
// link opens a new tab (its target), and the page stays as it is. Delegated, so ticks and refusals that htmx brings later work too.
// The notice has links of its own (Settings, the export, the delete pages): one that would
// leave the page while words on it are not kept yet asks first, inside the dialog: the
// browser's "Leave site?" asks only where the words cannot be sent on the way out (offline,
// or the last save failed: reflections.js), never for quick exit, nor after "Leave anyway".
(function () {
  "use strict";

  var HOSTS = "[data-agreement], [data-agreement-refused]";
  var opener = null;
  var openerHome = "";
  var stay = null; // the field whose words a link in the notice would leave behind

  function dialog() {
    return document.querySelector("[data-notice-dialog]");
  }

  function say(body, key) {
    var line = document.createElement("p");
    line.textContent = body.dataset[key];
    body.replaceChildren(line);
  }

  // The notice's own words, from its page, asked for as such (one-time notices stay waiting
  // for a page of their own). Its ids are dropped so they cannot clash with the ids of the
  // page the dialog opens over, and its title is the dialog's.
  function load(box) {
    var body = box.querySelector("[data-notice-body]");
    say(body, "loading");
    var asked = { credentials: "same-origin", cache: "no-cache", headers: { "X-Notice-In-Place": "1" } };
    fetch(box.dataset.src, asked)
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var notice = new DOMParser().parseFromString(html, "text/html").querySelector("main .page");
        if (!notice) return Promise.reject();
        var title = notice.querySelector("h1");
        if (title) title.remove();
        notice.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
        body.replaceChildren.apply(body, Array.from(notice.childNodes));
      })
      .catch(function () { say(body, "failed"); });
  }

  // A press that follows a link here; one asking for a new tab or window leaves the page be.
  function plainPress(event) {
    return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
  }

  // The link to the notice this event is on, when the notice is to open in place.
  function noticeLink(event) {
    var box = dialog();
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!box || !box.showModal || !link || !link.closest(HOSTS)) return null;
    if (link.origin !== location.origin || link.pathname !== box.dataset.src) return null;
    return plainPress(event) ? link : null;
  }

  // Pressing the link would take the focus from the box typed in, whose refused save would
  // then redraw the link under the pointer before the press ends, and the click would be
  // lost: the focus stays put until the dialog takes it.
  document.addEventListener("mousedown", function (event) {
    if (noticeLink(event)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var link = noticeLink(event);
    if (!link) return;
    var box = dialog();
    event.preventDefault();
    opener = link;
    var home = link.closest("[id]");
    openerHome = home ? home.id : "";
    load(box);
    box.showModal();
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest ? event.target.closest("[data-notice-dialog] [data-close]") : null;
    if (close) dialog().close();
  });

  // A link in the notice, pressed while a box holds words not kept yet. Quick exit never
  // waits, a #fragment stays on the page, and "Leave anyway" is the answer to the question.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-notice-dialog] a[href]") : null;
    if (!link || !plainPress(event) || link.matches("[data-quick-exit], [data-leave]")) return;
    if (link.hash && link.href.split("#")[0] === location.href.split("#")[0]) return;
    stay = window.unkeptWords(document.getElementById(openerHome));
    if (!stay) return;
    event.preventDefault();
    var ask = dialog().querySelector("[data-unkept]");
    ask.querySelector("[data-leave]").href = link.href;
    ask.hidden = false;
    ask.focus();
  });

  // "Go back to the page": back to the field with the words, rather than to the link.
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("[data-notice-dialog] [data-back]")) return;
    opener = null;
    dialog().close();
    stay.focus();
  });

  // Esc or Close: back to the link that opened it (Safari does not focus a clicked link).
  // The refused save sent as focus left the box may have redrawn the tick or the refusal by
  // then: the link is found again in the element around it that has an id, which htmx swaps
  // in place. A refusal redrawn without it ("tick the box") sends the focus to that tick.
  function linkAgain() {
    if (opener.isConnected) return opener;
    var home = document.getElementById(openerHome);
    if (!home) return null;
    return home.querySelector('a[href="' + CSS.escape(opener.getAttribute("href")) + '"]') ||
      (home.closest("form") || home).querySelector("[data-agreement]:not([hidden]) input[name=agree]");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = dialog();
    if (!box) return;
    // The bar's height, as it wraps, for the dialog's scroll padding (site.css).
    var bar = box.querySelector(".notice-dialog__bar");
    new ResizeObserver(function () {
      box.style.setProperty("--notice-bar", bar.offsetHeight + "px");
    }).observe(bar);
    box.addEventListener("close", function () {
      var link = opener && linkAgain();
      if (link) link.focus();
      opener = null;
      box.querySelector("[data-unkept]").hidden = true;
    });
  });
})();
