// Quick exit: the "Exit this page" button, or Shift pressed three times (each press within
// five seconds of the last; any other key starts the count again). The page goes blank at
// once, then the browser is sent on with location.replace, so Back does not come back to
// this page. Without JavaScript the button is a plain link to /exit/, which does what the
// person chose for exit and then sends the browser on.
// With JavaScript the browser goes straight to the everyday site, and /exit/ is asked for
// beside it, in the background (a keepalive request, which outlives the page). Leaving never
// waits for this site: through /exit/, a slow answer kept the blank page, with this site's
// address, on screen, and an answer that never came (a weak signal, a Wi-Fi login page,
// the server down) left the browser's own error page there, with this site's address and
// name. A small cookie says an exit is pending: /exit/ deletes it, and if /exit/ never ran,
// the site's next answer to this browser first does what the person chose for exit
// (attachment_guide/safety/exit.py). It lasts as long as the key to the space it stands
// guard over: to the end of the browser's session, or up to 400 days.
// A press is shown and said ("press 2 more times") only once Shift is let go with no other
// key in between: Shift+Tab and capital letters begin with a Shift too, and a screen reader
// read the count out at each of them.
(function () {
  "use strict";

  var PRESSES = 3;
  var WINDOW_MS = 5000;
  // Browsers keep no cookie longer than 400 days; a key that outlives the browser lasts no longer.
  var PENDING_SECONDS = 400 * 24 * 60 * 60;

  function start() {
    var button = document.querySelector("[data-quick-exit]");
    if (!button) return;
    var status = document.getElementById("quick-exit-status");
    var dots = button.querySelectorAll("[data-dot]");
    var count = 0;
    var timer = null;

    var neutral = button.dataset.neutral;
    var pendingName = button.dataset.pendingCookie;

    // Whether there is something for an exit to do: a browser with no space and no account
    // gets no cookie from this site but the anti-forgery token, and pressing exit does not
    // change that. The page says whether it was made for a space; a first save on it since
    // then has given its boxes their space's marker.
    function hasSpace() {
      return button.hasAttribute("data-has-space") ||
        Array.prototype.some.call(document.querySelectorAll("input[name=space]"), function (input) {
          return input.value !== "";
        });
    }

    // Whether the key to the space ends when the browser closes (kept only for this visit,
    // or signed in without "Remember me"), with nothing else for an exit to take away: then
    // the cookie ends with it, for after that there is nothing left to exit, and a cookie
    // left behind would only tell whoever looks that exit was pressed here. The page says so
    // on the button; a first save (or a progress press) on it since, on the markers it gave
    // the boxes; choosing "only for this visit" under the answer, on the line it leaves
    // there. A page never takes that back: keeping the space on the device, or signing in,
    // is done on a page of its own, which says so afresh.
    function saysEndsWithBrowser() {
      return document.querySelector("[data-ends-with-browser]") !== null;
    }

    // That page may be another tab: a tab opened while the space was kept only for this
    // visit, left open while another kept it on the device (or signed in with "Remember
    // me"), would give an offline exit a cookie that ended with the browser while the key
    // lived on, and the exit was lost. So each page with a space tells this site's other
    // tabs in this browser what it was made with, and what it learns since, and the newest
    // word counts. A BroadcastChannel keeps nothing: no trace is left on the device.
    var heard = null;
    var told = null;
    var channel = null;
    try {
      channel = window.BroadcastChannel ? new BroadcastChannel("quick-exit") : null;
    } catch (e) { /* storage blocked for this site: each tab goes by its own page */ }
    if (channel) {
      channel.onmessage = function (event) {
        if (event.data && typeof event.data.endsWithBrowser === "boolean") heard = event.data.endsWithBrowser;
      };
    }

    function tell() {
      if (!channel || !hasSpace()) return;
      var ends = saysEndsWithBrowser();
      if (ends === told) return;
      told = ends;
      heard = null; // this page's own news is the newest
      channel.postMessage({ endsWithBrowser: ends });
    }

    function endsWithBrowser() {
      return heard !== null ? heard : saysEndsWithBrowser();
    }

    // Named as the server reads it (__Host- in production, which needs Secure and path /).
    // Lax, as the session's: the next visit may come by a link from another site (a search
    // result), and it must bring this cookie wherever it brings the session's.
    function markPending() {
      if (!pendingName || !hasSpace()) return;
      document.cookie = pendingName + "=1; Path=/" +
        (endsWithBrowser() ? "" : "; Max-Age=" + PENDING_SECONDS) + "; SameSite=Lax" +
        (window.location.protocol === "https:" ? "; Secure" : "");
    }

    function pending() {
      return !!pendingName && document.cookie.split("; ").some(function (pair) {
        return pair.indexOf(pendingName + "=") === 0;
      });
    }

    function leave() {
      var exitUrl = button.getAttribute("href");
      if (!neutral) {
        window.location.replace(exitUrl);
        return;
      }
      if (navigator.onLine !== false && window.fetch) {
        try {
          fetch(exitUrl, { keepalive: true, credentials: "same-origin", cache: "no-store", redirect: "manual" })
            .catch(function () {}); // the cookie above keeps the exit for the next visit
        } catch (e) { /* a browser that refuses keepalive: the cookie keeps the exit */ }
      }
      window.location.replace(neutral);
    }

    function exit(event) {
      if (event) event.preventDefault();
      document.documentElement.classList.add("is-exiting");
      document.title = "";
      markPending();
      leave();
    }

    function show() {
      dots.forEach(function (dot, i) { dot.classList.toggle("is-on", i < count); });
      var left = PRESSES - count;
      status.textContent = count === 0 ? "" : left <= 0 ? button.dataset.leaving : button.getAttribute("data-more-" + left);
    }

    function reset() {
      count = 0;
      clearTimeout(timer);
      show();
    }

    // Every exit link (the privacy notice's dialog carries a second one, as it makes the bar
    // behind it inert).
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-quick-exit]")) exit(event);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Shift") {
        if (count) reset();
        return;
      }
      if (event.repeat) return;
      count += 1;
      clearTimeout(timer);
      timer = setTimeout(reset, WINDOW_MS);
      if (count >= PRESSES) {
        show();
        exit();
      }
    });
    document.addEventListener("keyup", function (event) {
      if (event.key === "Shift" && count) show();
    });
    // A page restored from the back-forward cache must not stay blank, unless the exit it was
    // left by has not reached the site yet: then it is not shown, but asked for again, so the
    // site does what the person chose first (offline, it goes to the everyday site again).
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      if (pending()) {
        document.documentElement.classList.add("is-exiting");
        document.title = "";
        if (navigator.onLine === false && neutral) window.location.replace(neutral);
        else window.location.reload();
        return;
      }
      document.documentElement.classList.remove("is-exiting");
      reset();
    });

    // The footer names the Shift keys only where they work: here, with this script.
    document.querySelectorAll("[data-exit-keys]").forEach(function (line) { line.hidden = false; });

    tell();
    // A first save, or "only for this visit" chosen under it, is news this page learns in place.
    document.addEventListener("htmx:afterSettle", tell);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
