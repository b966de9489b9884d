// Writing boxes that never lose a word. htmx does the saving (autosave after a pause, on
// leaving the field, and the buttons); this script adds what htmx does not do:
//  - show "Saving…" while a save is on its way, and never "Saved" unless the server said so;
//  - number each save, so the server can drop a late, older one from this same page;
//  - retry a failed save (network down, server error, stale anti-forgery token) until it
//    lands, including a button press that failed; a save left unanswered too long counts
//    as failed;
//  - send unsaved text when the tab is hidden or closed, and again when the page is shown or
//    the network is back, until a save is confirmed;
//  - let a save that could make the person's space wait for one in another tab, so both tabs
//    save into the same space;
//  - send no words from a box until its tick agreeing to the privacy notice is given;
//  - send reading progress only once the page has the person's space (see "data-reading");
//  - show saved times in the reader's own clock.
(function () {
  "use strict";

  var RETRY_DELAYS = [1000, 2000, 5000, 10000, 20000, 30000];
  var SAVE_WAITS = [20000, 40000, 80000]; // how long a save may go unanswered (see below)
  var BOXES = "form[data-reflection]";
  var PROGRESS = "#lesson-progress form";
  var seq = Date.now(); // grows across reloads too, so the server's order holds

  // Without scripts, every field of a lesson's boxes belongs to the page's one form (their
  // `form` attribute), so a press under any box sends them all. With scripts each box saves
  // by itself: each field goes back to its own box's form, and that one form, with what only
  // it sends, goes. Done first, before anything reads a box's fields.
  document.querySelectorAll("form[data-page-form-only]").forEach(function (pageForm) {
    document.querySelectorAll(BOXES + ' [form="' + pageForm.id + '"]').forEach(function (field) {
      field.removeAttribute("form");
    });
  });
  document.querySelectorAll("[data-page-form-only]").forEach(function (el) { el.remove(); });

  function boxOf(element) {
    return element && element.closest ? element.closest(BOXES) : null;
  }

  function text(form) {
    return form.elements.body ? form.elements.body.value : "";
  }

  // What the server holds: the text of the last confirmed save, or the text the page came with.
  function savedText(form) {
    if (form.dataset.saved !== undefined) return form.dataset.saved;
    return form.elements.body ? form.elements.body.defaultValue : "";
  }

  function isDirty(form) {
    return text(form) !== savedText(form);
  }

  // A box a refusal gave back whole (data-given-back): its words came with the page, and
  // the server does not hold them until a save says so.
  function givenBack(form) {
    return form.hasAttribute("data-given-back") && form.dataset.saved === undefined;
  }

  // A field of a form that keeps what was typed (data-keep-typed: the support circle's, and
  // a lesson's problem report) that differs from what the page came with. A tick is not
  // words, and hidden fields are the form's own.
  function typedIn(field) {
    if (field.type === "hidden" || field.name === "agree" || !("defaultValue" in field)) return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    return field.value !== field.defaultValue;
  }

  // Where words on this page are not kept yet, if anywhere: a writing box whose text the
  // server does not hold; a form that keeps what was typed, with something changed; or a
  // form a refusal gave the words back in (data-given-back), not saved since. The field to go
  // back to, in the form around `near` if that one holds some. The privacy notice's dialog
  // asks before one of its links leaves them (notice.js), and the lock leaves such a page be
  // (lock.js): words are never kept in the browser to come back to.
  window.unkeptWords = function (near) {
    var found = [];
    document.querySelectorAll("form").forEach(function (form) {
      var field = null;
      if (form.matches(BOXES)) {
        if (isDirty(form) || givenBack(form)) field = form.elements.body;
      } else {
        var typed = form.matches("[data-keep-typed]") ? Array.from(form.elements).filter(typedIn) : [];
        if (typed.length) field = typed[0];
        else if (form.hasAttribute("data-given-back")) {
          field = form.querySelector("textarea, input:not([type=hidden])");
        }
      }
      if (field) found.push(field);
    });
    return found.find(function (field) { return near && field.form.contains(near); }) || found[0] || null;
  };

  // The status line is a live region, read out at each change: a retry that fails the same
  // way leaves it be, rather than say the same words again every few seconds.
  function say(form, key) {
    var status = form.querySelector("[role=status]");
    if (status && status.dataset[key] && status.textContent !== status.dataset[key]) {
      status.textContent = status.dataset[key];
    }
  }

  // The same, for a reason the reader has to act on: drawn as the server draws its own.
  function sayProblem(form, key) {
    var status = form.querySelector("[role=status]");
    if (!status || !status.dataset[key] || words(status) === status.dataset[key]) return;
    var problem = document.createElement("span");
    problem.className = "reflection__problem";
    problem.textContent = status.dataset[key];
    status.replaceChildren(problem);
  }

  function busy(form, on) {
    var marker = form.querySelector("[data-busy]");
    if (marker) marker.hidden = !on;
  }

  // Text was kept, so this browser has agreed to the privacy notice as it stands now: the
  // ticks not ticked stop asking. A box refused for want of its tick waits for its next
  // edit, and its tick is hidden now: send what it holds, since the agreement is given. (A
  // refusal still on its way is answered first; hx-sync queues this save behind it.) Each
  // tick is hidden once: a newer notice brings new ticks, and those are asked again.
  // A hidden tick is never ticked, so it sends nothing, least of all an older version.
  function agreed() {
    document.querySelectorAll("[data-agreement]").forEach(function (ask) {
      var tick = ask.querySelector("input[name=agree]");
      if (ask.hidden || (tick && tick.checked)) return;
      ask.hidden = true;
      var form = boxOf(ask);
      if (form && isDirty(form) && !form.dataset.conflict) htmx.trigger(form, "retry");
    });
  }

  // A save refused for want of its tick brings the tick again, out of band, for a page that
  // has none or hid it (_reflection.html). A page that shows that very tick keeps it as it
  // is: the refusal comes back as the person leaves the box for the tick, often while they
  // press it, and even a tick kept by hx-preserve is moved out of the page and back, which
  // makes Chromium drop the press (a Space or a mouse button let go after it ticks nothing).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var slot = event.detail.target;
    var brought = event.detail.fragment.querySelector("[data-agreement] input[name=agree]");
    if (!brought || !slot.querySelector("[data-agreement]")) return;
    var shown = document.getElementById(brought.id);
    if (shown && slot.contains(shown) && !shown.closest("[hidden]")) {
      event.detail.shouldSwap = false;
    } else if (slot.contains(document.activeElement)) {
      // A tick for newer words of the notice replaces the one the keyboard is on: its place
      // passes to the new tick, not to the top of the page. (The swap follows this event.)
      queueMicrotask(function () { brought.focus(); });
    }
  });

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

  function resaveDirty() {
    document.querySelectorAll(BOXES).forEach(function (form) {
      if (isDirty(form) || form.dataset.pending) htmx.trigger(form, "retry");
    });
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

  // In `root` (the page, or an answer not yet swapped in).
  function localizeTimes(root) {
    root = root && root.querySelectorAll ? root : document; // as a listener, it gets an event
    root.querySelectorAll("time[data-local-time], time[data-local-date]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      var today = new Date().toDateString() === when.toDateString();
      var shown = el.hasAttribute("data-local-date")
        ? when.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" })
        : today
          ? when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
          : when.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
      if (el.textContent !== shown) el.textContent = shown; // the same again would be read out again
    });
  }

  // A box opened for editing gets the focus with the caret at its start, so words typed
  // straight away went before the old text: put the caret after it, where people add. (A
  // tap or click places the caret after this, where it landed.)
  document.addEventListener("focusin", function (event) {
    var box = event.target;
    if (box.tagName !== "TEXTAREA" || !box.hasAttribute("autofocus") || !boxOf(box)) return;
    if (box.dataset.caretPlaced) return;
    box.dataset.caretPlaced = "1";
    if (box.selectionStart === 0 && box.selectionEnd === 0) {
      box.setSelectionRange(box.value.length, box.value.length);
    }
  });

  // In development (DEBUG, as `make run` serves) django-htmx adds a script that replaces the
  // whole page with any 400, 403, 404 or 500 answer to an htmx request, to show Django's
  // error page. Every such answer is handled here where it lands (a stale token is fetched
  // again, the words stay in their box), so that would throw away what someone typed. The
  // event is stopped on its way down, before it reaches that script's listener on the
  // document; the server's console still shows the error.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (event.detail.xhr && event.detail.xhr.status >= 400) event.stopPropagation();
  }, true);

  // A download or a printout is read away from the screen: the export forms tell the server
  // the reader's time zone, so its dates and times are the ones the words were written at.
  function tellTimeZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* UTC */ }
    document.querySelectorAll("input[data-time-zone]").forEach(function (input) {
      input.value = zone;
    });
  }

  document.addEventListener("DOMContentLoaded", localizeTimes);
  document.addEventListener("DOMContentLoaded", tellTimeZone);
  // At the swap, in the same task, so a screen reader hears a save's time once, in the
  // reader's clock and not first in UTC; again once settled, for what was swapped out of band.
  document.addEventListener("htmx:afterSwap", localizeTimes);
  document.addEventListener("htmx:afterSettle", localizeTimes);

  // Each save swapped the status line anew, and a screen reader reads out every change to it:
  // pausing twice in the same minute, or leaving the box after an autosave, said "Saved
  // 17:30" again. A save nobody pressed for, whose answer reads as the line already does,
  // leaves the line be; what comes out of band (the entry's version) still comes. A press
  // of a button is always answered aloud.
  function words(node) {
    return node.textContent.replace(/\s+/g, " ").trim();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var sent = event.detail.requestConfig; // (this event's own elt is the status line)
    if (!sent || !sent.elt.matches(BOXES) || !event.detail.shouldSwap) return;
    if (sent.triggeringEvent && sent.triggeringEvent.type === "submit") return;
    var answer = document.createElement("template");
    answer.innerHTML = event.detail.serverResponse;
    answer.content.querySelectorAll("[hx-swap-oob]").forEach(function (el) { el.remove(); });
    localizeTimes(answer.content);
    if (words(answer.content) === words(event.detail.target)) event.detail.swapOverride = "none";
  });

  // While both versions of a conflict are on screen, only the person's choice is sent: an
  // autosave would redraw the choice buttons under their pointer and lose the click.
  document.addEventListener("htmx:confirm", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form || !form.dataset.conflict) return;
    var trigger = event.detail.triggeringEvent;
    var type = trigger ? trigger.type : "";
    if (type !== "submit" && !(type === "retry" && form.dataset.pending)) {
      event.preventDefault();
      nextInLine(form);
    }
  });

  // A save nobody pressed for, of words the server already holds, has nothing to keep. It
  // came when the tick was clicked just after typing: leaving the box sent the words, and the
  // tick's change sent them again behind it, whose plain "Saved" then took the place of
  // "Saved privately. No account needed." A save queued behind another (by hx-sync, or
  // waiting for the first save's lock below) is asked again when it goes. After a refusal
  // it goes all the same: the box may have come back to the words kept (an emptied box
  // refused, then undone; a paste too long, taken out), and its status line still says "Not
  // saved" until a save answers; a box given back whole holds words the server never kept.
  function nothingToKeep(elt, trigger) {
    var type = trigger ? trigger.type : "";
    if (!elt.matches(BOXES) || (type !== "change" && type !== "input")) return false;
    return !isDirty(elt) && !elt.dataset.refused && !givenBack(elt);
  }

  document.addEventListener("htmx:confirm", function (event) {
    if (event.defaultPrevented) return; // held back already (a conflict), and moved on
    if (!nothingToKeep(event.detail.elt, event.detail.triggeringEvent)) return;
    event.preventDefault();
    nextInLine(event.detail.elt);
  });

  // A box whose tick is shown and not ticked: nothing is kept until the reader agrees to
  // the privacy notice, so nothing is sent either. Each pause in typing sent the words, for
  // the server to refuse: a reader who never ticked would rightly believe they had never
  // left the device. They stay in the box; the line says what keeps them, a press of Save
  // takes the keyboard to the tick, and the tick's change sends them (a trigger of the
  // form). Without scripts a press sends the page, and the server answers the same way.
  function waitsForTick(form) {
    var tick = form.querySelector("[data-agreement] input[name=agree]");
    return tick !== null && !tick.checked && !tick.closest("[hidden]") ? tick : null;
  }

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt, tick = form.matches(BOXES) && waitsForTick(form);
    if (event.defaultPrevented || !tick) return;
    event.preventDefault();
    nextInLine(form);
    if (text(form).trim() === "") return;
    // As a refusal would: saved once the tick is given (here, or beside another box), and
    // asked for before the page is left.
    form.dataset.refused = "1";
    form.dataset.failing = "1";
    sayProblem(form, "needsAgreement");
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "submit") tick.focus();
  });

  // A save not sent as its turn comes (above, or in a conflict below) would hold back all
  // queued behind it (hx-sync) until the next request of its form ends, which may never
  // come: a press of Save, Done or "Start a fresh answer" did nothing, or went long after,
  // as the reader typed on. So the next in line goes now. htmx keeps the queue in its data
  // on the element; a request on its way (xhr) moves it on by itself.
  function nextInLine(form) {
    var data = form["htmx-internal-data"];
    if (data && !data.xhr && data.queuedRequests && data.queuedRequests.length) {
      data.queuedRequests.shift()();
    }
  }

  // Reading progress (the lesson and each section coming into view, the end reached) is
  // kept only in a space the page has the marker of: before the person chooses to keep
  // something there is none, and nothing is sent. A page's first kept answer, or a press of
  // "Remember my place", brings the marker; what was held back then watches again, so what
  // is in view goes at once and the rest as it comes into view.
  var READING = "[data-reading]", HELD = '[data-reading="held"]';

  function pageHasSpace() {
    var marker = document.querySelector(PROGRESS + " input[name=space]");
    return marker !== null && marker.value !== "";
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (!elt.matches(READING) || pageHasSpace()) return;
    event.preventDefault();
    elt.setAttribute("data-reading", "held");
  });

  // A page opened at a section ("Continue where you left off", the list of sections)
  // scrolls there, smoothly where motion is welcome, and each heading it passes comes into
  // view on the way: each sent its own "reached", five at once, when progress only moves
  // forward and only the furthest counts. So what comes into view waits until the page has
  // been still for a moment, and then one request goes: the furthest, and when that is the
  // end, the furthest section with it. Hiding the tab sends it at once.
  var READING_SETTLE = 400;
  var reading = [], readingTimer = null;

  function sectionOf(elt) {
    try {
      return JSON.parse(elt.getAttribute("hx-vals") || "{}").section || "";
    } catch (e) {
      return "";
    }
  }

  function sendReading() {
    clearTimeout(readingTimer);
    // What a press or a swap took off the page meanwhile has nothing left to say.
    var waiting = reading.filter(function (item) { return document.body.contains(item.elt); });
    reading = [];
    if (!waiting.length) return;
    waiting.sort(function (a, b) {
      return a.elt.compareDocumentPosition(b.elt) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    var furthest = waiting[waiting.length - 1];
    var section = "";
    waiting.forEach(function (item) { section = sectionOf(item.elt) || section; });
    function withSection(e) {
      if (section && !e.detail.parameters.has("section")) e.detail.parameters.set("section", section);
    }
    furthest.elt.addEventListener("htmx:configRequest", withSection);
    furthest.issue(true);
    furthest.elt.removeEventListener("htmx:configRequest", withSection);
  }

  function readingLater() {
    clearTimeout(readingTimer);
    readingTimer = setTimeout(sendReading, READING_SETTLE);
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (event.defaultPrevented || !elt.matches(READING)) return;
    event.preventDefault();
    reading.push({ elt: elt, issue: event.detail.issueRequest });
    readingLater();
  });
  window.addEventListener("scroll", function () {
    if (reading.length) readingLater();
  }, { passive: true });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && reading.length) sendReading();
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pageHasSpace()) return;
    document.querySelectorAll(HELD).forEach(function (elt) {
      // Changed attributes make htmx set the element's trigger up anew ("once" included).
      elt.setAttribute("data-reading", "again");
      htmx.process(elt);
    });
  });

  // Two tabs with no space yet, saving at the same moment: each request would make a space of
  // its own and set its own session cookie, the browser would keep only the last, and the
  // other tab's words would sit in a space nothing reaches while its next save is refused as
  // made for a different journal. So a request that could make the space (its form's marker
  // is empty) waits, across this browser's tabs, until the one before it has finished: it
  // then goes with the session that one made, saves into the same space and brings back its
  // marker. Without Web Locks, or where the browser refuses one (it may where this site's
  // storage is blocked), saves go at once, as they always did; so does the beacon sent as a
  // tab is hidden, which cannot wait. The boxes of one page still land in one space: each
  // sends the page's id, and the server puts a page's first saves together (space_adopt).
  var FIRST_SAVE = "first-save";
  var FIRST_SAVE_HOLD = 30000; // a request that never ends must not keep the others waiting

  function couldMakeSpace(elt) {
    var marker = elt.tagName === "FORM" ? elt.querySelector("input[name=space]") : null;
    return marker !== null && marker.value === "";
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt, trigger = event.detail.triggeringEvent;
    if (event.defaultPrevented || !navigator.locks || !couldMakeSpace(elt)) return;
    event.preventDefault();
    var granted = false;
    navigator.locks.request(FIRST_SAVE, function () {
      granted = true;
      if (nothingToKeep(elt, trigger)) { // the save it waited behind kept these words
        nextInLine(elt);
        return;
      }
      var sent = null, makes = couldMakeSpace(elt); // no longer, if the one before made it
      function started(e) { sent = e.detail.xhr; }
      // htmx adds a pressed button's name as the request goes, from the button focused last:
      // the focus may have moved on while this waited.
      function pressed(e) {
        var button = trigger && trigger.submitter, params = e.detail.parameters;
        if (button && button.name && !params.has(button.name)) params.set(button.name, button.value);
      }
      elt.addEventListener("htmx:configRequest", pressed);
      elt.addEventListener("htmx:beforeSend", started);
      event.detail.issueRequest(true);
      elt.removeEventListener("htmx:configRequest", pressed);
      elt.removeEventListener("htmx:beforeSend", started);
      // Not sent now (queued behind another save of its form, which asks again when it goes,
      // or its form is gone), or it cannot make a space: nothing to wait for.
      if (!sent || !makes) return;
      return new Promise(function (release) {
        sent.addEventListener("loadend", release); // answered, failed, aborted or timed out
        setTimeout(release, FIRST_SAVE_HOLD);
      });
    }).catch(function () {
      if (!granted) event.detail.issueRequest(true); // refused: go at once
    });
  });

  // A button's name and value belong to the press that sent them: keep them for that
  // request and its retries, and strip them from later autosaves (htmx remembers the last
  // button clicked, and Safari never moves focus off it).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form) return;
    var params = event.detail.parameters;
    var trigger = event.detail.triggeringEvent;
    var type = trigger ? trigger.type : "";
    var choice = ["intent", "resolve"];
    if (type === "submit") {
      var pending = {};
      choice.forEach(function (name) { if (params.has(name)) pending[name] = params.get(name); });
      form.dataset.pending = JSON.stringify(pending);
    } else {
      choice.forEach(function (name) { params.delete(name); });
      if (type === "retry" && form.dataset.pending) {
        var kept = JSON.parse(form.dataset.pending);
        Object.keys(kept).forEach(function (name) { params.set(name, kept[name]); });
      }
    }
    seq += 1;
    params.set("seq", String(seq));
    form.dataset.sending = text(form);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = boxOf(event.detail.elt);
    // On the way to quick exit, a save still due (typed a moment before) would reach the
    // server after /exit/: from a box that could make a space, with the device forgotten or
    // the account signed out, it made a new space with these words and gave this browser
    // its key, for the next person at the device to find. It is not sent.
    if (document.documentElement.classList.contains("is-exiting") && couldMakeSpace(event.detail.elt)) {
      event.preventDefault();
      return;
    }
    if (form && event.detail.elt === form) busy(form, true);
  });

  // A save can go unanswered for ever: a connection that died without the phone noticing (a
  // tunnel, a weak signal) is not an error the browser reports. Every later save of the box
  // waits behind it (hx-sync), while the line still says "Saved" from before. So a save with
  // no answer after a while is given up, which the line says, and sent again as any failed
  // save is; each time given longer, in case the network is only slow. Should the first
  // still land, the server drops it: its number is older than the save sent after it.
  document.addEventListener("htmx:beforeSend", function (event) {
    var form = boxOf(event.detail.elt), xhr = event.detail.xhr;
    if (!form || event.detail.elt !== form || !xhr) return;
    var waits = Number(form.dataset.waits || 0);
    var giveUp = setTimeout(function () {
      form.dataset.waits = waits + 1;
      xhr.abort(); // htmx then ends the request as failed ("htmx:afterRequest" below)
    }, SAVE_WAITS[Math.min(waits, SAVE_WAITS.length - 1)]);
    xhr.addEventListener("loadend", function () { clearTimeout(giveUp); });
  });

  // A save answered with 200 by a page in the way (a Wi-Fi login page, a sign-in page a
  // proxy in front of the site redirects to) is not saved: only an answer from the save
  // itself says so (the header). Such a page is not put in the status line (nor its title
  // on the tab), and the save is sent again, as one that failed.
  var ANSWER_HEADER = "X-Save-Answer";

  function answeredHere(xhr) {
    return xhr.getResponseHeader(ANSWER_HEADER) !== null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var sent = event.detail.requestConfig, xhr = event.detail.xhr; // (elt: the status line)
    if (sent && sent.elt.matches(BOXES) && xhr && !answeredHere(xhr)) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = boxOf(event.detail.elt);
    if (!form || event.detail.elt !== form) return;
    busy(form, false);
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status >= 200 && status < 300 && !answeredHere(xhr)) status = 0;
    if (status !== 403) delete form.dataset.tokenFetched; // the token was not refused
    // Saved, or a conflict (the way out keeps both texts): what the box holds can go on the
    // way out. Anything else (no answer, a server error, a refusal: the tick not given, too
    // long, signed out meanwhile) would fail the same way then (see "beforeunload").
    if ((status >= 200 && status < 300) || status === 409) delete form.dataset.failing;
    else form.dataset.failing = "1";
    if (status >= 200 && status < 300) {
      form.dataset.saved = form.dataset.sending;
      form.dataset.attempt = 0;
      delete form.dataset.refused;
      form.dataset.waits = 0;
      // Once there is an answer, it can be kept while a fresh one is started.
      var fresh = form.querySelector("[data-fresh]");
      if (fresh && form.dataset.saved.trim()) fresh.hidden = false;
      // Text was kept, so this browser has agreed to the privacy notice: the other boxes on
      // the page stop asking (an unticked box beside "Saved" reads as "not kept").
      if (form.dataset.saved.trim()) agreed();
      delete form.dataset.pending;
      delete form.dataset.conflict;
      clearTimeout(form._retryTimer);
      // Text typed while the save was on its way goes out in the next save.
      if (isDirty(form)) htmx.trigger(form, "retry");
      return;
    }
    form.dataset.refused = "1"; // the status line says why, until a save is answered
    if (status === 409 || status === 422) {
      // The server's answer is on screen, and the text stays unsaved (still "dirty").
      delete form.dataset.pending;
      if (status === 409) form.dataset.conflict = "1";
      return;
    }
    if (status === 413 || (status === 400 && text(form).length > Number(form.dataset.limit))) {
      // Too large for the server to read at all (far past the length limit): retrying the
      // same text cannot help. The next change to the text sends it again. (Django answers
      // 400 for other reasons too, such as a session ended in another tab: those retry.)
      delete form.dataset.pending;
      clearTimeout(form._retryTimer);
      say(form, "toolarge");
      return;
    }
    if (status === 404 || status === 410) {
      say(form, "gone");
      return;
    }
    if (status === 423) {
      // Locked on this device: the text stays; it saves when the page is shown again after
      // unlocking (see "visibilitychange" below) or when the person presses Save.
      say(form, "locked");
      return;
    }
    // Too many saves this minute: the line already holds the server's own words on it
    // (swapped in), which say more than "will retry" would.
    if (status !== 429) say(form, navigator.onLine === false ? "offline" : "retrying");
    if (status === 403 && !form.dataset.tokenFetched) {
      // A stale token (signed in or out in another tab): with a fresh one the words go at
      // once, not after the wait that failed saves built up meanwhile (offline, say), which
      // can be half a minute. Once only: a second refusal waits its turn like any failure.
      form.dataset.tokenFetched = "1";
      refreshToken().then(function () { htmx.trigger(form, "retry"); }, function () { scheduleRetry(form); });
    } else if (status === 403) {
      refreshToken().then(function () { scheduleRetry(form); }, function () { scheduleRetry(form); });
    } else if (status === 429) {
      // Too many saves this minute: wait as long as the server asks, then save once.
      var wait = Number(event.detail.xhr.getResponseHeader("Retry-After")) || 60;
      clearTimeout(form._retryTimer);
      form._retryTimer = setTimeout(function () { htmx.trigger(form, "retry"); }, wait * 1000);
    } else {
      scheduleRetry(form);
    }
  });

  // Other forms that keep what was typed (data-keep-typed: the support circle's, and a
  // lesson's problem report). htmx swaps no 423, so the form and everything in it stay as
  // they were; its status line gives the server's answer, or pressing the button would seem
  // to do nothing.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt, xhr = event.detail.xhr;
    if (!form.matches || !form.matches("form[data-keep-typed]") || !xhr || xhr.status !== 423) return;
    var status = form.querySelector("[role=status]");
    if (status) status.textContent = xhr.responseText;
  });

  // The lesson's progress buttons, and the forms that keep what was typed (the support
  // circle's, the problem report), pressed on a page whose anti-forgery token went stale
  // (signed in or out in another tab): fetch a fresh token and send the same press once
  // more, or pressing would seem to do nothing. The server then says whether the page is
  // still this browser's.
  var PRESSED = PROGRESS + ", form[data-keep-typed]";
  var IN_PLACE = "[data-in-place]";

  // The button pressed, to press again (above) or to send as a form without scripts (below).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt, trigger = event.detail.triggeringEvent;
    if (form.matches && form.matches(PRESSED + ", " + IN_PLACE)) {
      form._submitter = trigger && trigger.submitter;
    }
  });
  // True when `form`'s press is to go once more with a fresh token (`otherwise` is called if
  // none can be had); false for any other answer, or a second refusal, which is the server's.
  function pressAgain(form, xhr, otherwise) {
    if (!xhr || xhr.status !== 403 || form.dataset.retried) {
      delete form.dataset.retried;
      return false;
    }
    form.dataset.retried = "1";
    refreshToken().then(function () { form.requestSubmit(form._submitter); }, otherwise);
    return true;
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches(PRESSED)) pressAgain(form, event.detail.xhr);
  });

  // The journal's search, its pages of results and "Show all entries" (data-in-place) go by
  // htmx. A stale token (signed in or out in another tab) is fetched again and the search
  // sent once more, as above. Another answer htmx does not swap (a locked device, no
  // network) must not leave the press doing nothing: the form or link goes as it would
  // without scripts, to the page that says why. Unless words on the page are not kept yet
  // (the free-writing box above, refused a save by the lock or the network): leaving would
  // throw them away, so the page stays and says so.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt, xhr = event.detail.xhr;
    if (!elt.matches || !elt.matches(IN_PLACE)) return;
    function go() { goWithoutScripts(elt, xhr); }
    if (elt.tagName === "FORM" && pressAgain(elt, xhr, go)) return;
    if (!event.detail.successful) go();
  });

  function goWithoutScripts(form, xhr) {
    if (window.unkeptWords()) {
      var status = document.getElementById("journal-search-status");
      var locked = xhr && xhr.status === 423 && xhr.responseText;
      status.textContent = locked || status.dataset.unsent;
      if (!form.contains(status)) status.scrollIntoView({ block: "center" }); // a page's button
      return;
    }
    if (form.tagName === "A") {
      window.location.assign(form.href);
      return;
    }
    var button = form._submitter;
    if (button && button.name) {
      var pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = button.name;
      pressed.value = button.value;
      form.appendChild(pressed);
    }
    HTMLFormElement.prototype.submit.call(form); // not requestSubmit: htmx would take it again
  }

  // "Log in" in the navigation comes back to the page it was on (its `next`); on a lesson, to
  // the section read to: the furthest whose heading has come up into the top half of the
  // screen (the reader scrolls back up to reach the link, so not the one in view then). A
  // fragment never reaches the server, so it rides in `next`, which keeps it.
  var placeLink = document.querySelector("a[data-keeps-place]");
  var headings = Array.from(document.querySelectorAll(".lesson-section[id] > h2"));
  if (placeLink && headings.length && window.IntersectionObserver) {
    var reached = -1, back = new URL(placeLink.href);
    var watch = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var at = headings.indexOf(entry.target);
        if (!entry.isIntersecting || at <= reached) return;
        reached = at;
        var url = new URL(back);
        url.searchParams.set("next", back.searchParams.get("next") + "#" + entry.target.parentNode.id);
        placeLink.href = url.pathname + url.search;
      });
    }, { rootMargin: "0px 0px -50% 0px" });
    headings.forEach(function (heading) { watch.observe(heading); });
  }

  window.addEventListener("online", resaveDirty);

  // Leaving the page (a link, Back, a reload, closing the tab) sends unsaved text on the way
  // out (below). That cannot be kept while the browser is offline or the box's last save
  // failed or was refused, and nothing is kept in the browser to send later: so then the
  // browser asks first ("Leave site?"), and staying keeps the words, which save once the
  // network is back (or the tick is given, or the reader signs back in in another tab). An
  // emptied box has no words to lose. Nor can more than 64 KiB go on the way out, all boxes
  // together, and a long answer in an alphabet of two bytes a letter (Greek, Arabic) is more
  // than that well before an answer's limit of 50,000 characters. Never on the way to quick
  // exit, which must not wait, nor after "Leave anyway" (notice.js), which asked already.
  var WAY_OUT_BYTES = 60000; // the browser's 64 KiB, less the form's other fields
  var leaving = false;
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-quick-exit], [data-leave]")) leaving = true;
  }, true);

  window.addEventListener("beforeunload", function (event) {
    if (leaving || document.documentElement.classList.contains("is-exiting")) return;
    var unsent = Array.from(document.querySelectorAll(BOXES)).filter(function (form) {
      return isDirty(form) && text(form).trim() !== "";
    });
    var bytes = unsent.reduce(function (sum, form) { return sum + new Blob([text(form)]).size; }, 0);
    var stranded = bytes > WAY_OUT_BYTES || unsent.some(function (form) {
      return navigator.onLine === false || form.dataset.failing || waitsForTick(form);
    });
    if (stranded) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });

  // Closing the tab, switching apps or locking the phone: send what is not saved yet. A
  // beacon cannot carry headers, so the anti-forgery token travels in the form body. Its
  // delivery is never confirmed, so the text stays "unsaved" until a normal save says so.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      resaveDirty();
      return;
    }
    if (!navigator.sendBeacon) return;
    // On the way to quick exit the beacon goes after /exit/ has answered: a box that could
    // make a space sends nothing then (as "htmx:beforeRequest" above); any other is refused
    // by the server as made for a space this browser no longer holds, or saved into the
    // space a guest's exit keeps.
    var exiting = document.documentElement.classList.contains("is-exiting");
    document.querySelectorAll(BOXES).forEach(function (form) {
      if (!isDirty(form) || waitsForTick(form) || (exiting && couldMakeSpace(form))) return;
      var data = new FormData(form);
      data.delete("intent");
      data.delete("resolve");
      seq += 1;
      data.set("seq", String(seq));
      // Leaving in the middle of a conflict: keep both texts rather than lose either.
      if (form.dataset.conflict) data.set("resolve", "both");
      navigator.sendBeacon(form.getAttribute("action"), data);
    });
  });
})();
