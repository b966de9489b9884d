// Writing boxes that never lose a word. htmx does the saving (autosave after a pause, on
// leaving the field, and the Save button); this script adds what htmx does not do:
//  - say "Saving…" while a save is on its way, and never "Saved" unless the server said so;
//  - retry a failed save (network down, server error, stale anti-forgery token) until it lands;
//  - send any unsaved text when the tab is hidden or closed (a beacon outlives the page);
//  - show saved times in the reader's own clock.
(function () {
  "use strict";

  var RETRY_DELAYS = [1000, 2000, 5000, 10000, 20000, 30000];

  function boxOf(element) {
    return element && element.closest ? element.closest("form[data-reflection]") : null;
  }

  function statusOf(form) {
    return form.querySelector("[role=status]");
  }

  function say(form, key) {
    var status = statusOf(form);
    if (status) status.textContent = status.dataset[key];
  }

  function text(form) {
    return form.elements.body ? form.elements.body.value : "";
  }

  function isDirty(form) {
    return form.dataset.saved !== undefined ? form.dataset.saved !== text(form) : false;
  }

  function scheduleRetry(form) {
    var attempt = Number(form.dataset.attempt || 0);
    var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
    form.dataset.attempt = attempt + 1;
    clearTimeout(form._retryTimer);
    form._retryTimer = setTimeout(function () {
      if (navigator.onLine === false) return; // the "online" listener retries instead
      htmx.trigger(form, "retry");
    }, delay);
  }

  // A page left open for days can hold a stale anti-forgery token: fetch a fresh one.
  function refreshToken() {
    return fetch("/journal/token/", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (token) {
        document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
          input.value = token;
        });
        document.body.setAttribute("hx-headers", JSON.stringify({ "x-csrftoken": token }));
      });
  }

  function localizeTimes(root) {
    (root || document).querySelectorAll("time[data-local-time], time[data-local-date]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      var today = new Date().toDateString() === when.toDateString();
      el.textContent = el.hasAttribute("data-local-date")
        ? when.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" })
        : today
          ? when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
          : when.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    });
  }

  function remember(form) {
    form.dataset.saved = text(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-reflection]").forEach(remember);
    localizeTimes();
  });

  // While both versions of a conflict are on screen, only the person's choice is sent: an
  // autosave would redraw the choice buttons under their pointer and lose the click.
  document.addEventListener("htmx:confirm", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form || !form.dataset.conflict) return;
    var trigger = event.detail.triggeringEvent;
    if (!trigger || trigger.type !== "submit") event.preventDefault();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form) return;
    form.dataset.sending = text(form);
    say(form, "saving");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 409) {
      form.dataset.conflict = "1";
    } else if (event.detail.successful) {
      delete form.dataset.conflict;
    }
    if (event.detail.successful) {
      form.dataset.saved = form.dataset.sending;
      form.dataset.attempt = 0;
      clearTimeout(form._retryTimer);
      // Text typed while the save was on its way goes out in the next save.
      if (isDirty(form)) htmx.trigger(form, "retry");
      return;
    }
    if (status === 409 || status === 422) return; // the server's answer is on screen
    say(form, navigator.onLine === false ? "offline" : "retrying");
    if (status === 403) {
      refreshToken().then(function () { scheduleRetry(form); }, function () { scheduleRetry(form); });
    } else {
      scheduleRetry(form);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var form = target.matches && target.matches("div.reflection, div.entry")
      ? target.querySelector("form[data-reflection]") : null;
    if (form) remember(form); // a whole box was redrawn: its text is what the server holds
  });
  // After any swap, in band or out of band, show new times in the reader's clock.
  document.addEventListener("htmx:afterSettle", function () { localizeTimes(); });

  window.addEventListener("online", function () {
    document.querySelectorAll("form[data-reflection]").forEach(function (form) {
      if (isDirty(form)) htmx.trigger(form, "retry");
    });
  });

  // Closing the tab, switching apps or locking the phone: send what is not saved yet.
  // A beacon cannot carry headers, so the anti-forgery token travels in the form body.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden") return;
    document.querySelectorAll("form[data-reflection]").forEach(function (form) {
      if (!isDirty(form)) return;
      var data = new FormData(form);
      // Leaving in the middle of a conflict: keep both texts rather than lose either.
      if (form.dataset.conflict) data.set("resolve", "both");
      if (navigator.sendBeacon && navigator.sendBeacon(form.getAttribute("action"), data)) {
        form.dataset.saved = text(form);
      }
    });
  });
})();
