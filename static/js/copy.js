// "Copy the code" beside a recovery code. Shown only where the browser can copy (a secure
// page with the Clipboard API); without it, or without JavaScript, there is no button and the
// code is selected and copied, or written down, by hand. The code goes to the clipboard and
// nowhere else (no storage, no attribute, no message that repeats it); the status line says
// "Copied", which a screen reader reads out.
(function () {
  "use strict";

  var box = document.querySelector("[data-copy]");
  var clipboard = navigator.clipboard;
  if (!box || !window.isSecureContext || !clipboard || !clipboard.writeText) return;
  var code = document.getElementById(box.getAttribute("data-copy"));
  var status = box.querySelector("[role=status]");
  if (!code || !status) return;
  box.hidden = false;

  box.querySelector("button").addEventListener("click", function () {
    status.textContent = "";
    // The text as shown, dashes included, as the recover form takes it.
    clipboard.writeText(code.textContent.trim()).then(
      function () { status.textContent = status.getAttribute("data-copied"); },
      function () { status.textContent = status.getAttribute("data-failed"); }
    );
  });
})();
