// /flows: copy a diagram's Mermaid source, and reload when the flows change.
(function () {
  "use strict";
  const page = document.getElementById("flows-page");

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      const text = document.getElementById(button.dataset.copy).textContent;
      const done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        const area = document.createElement("textarea");
        area.value = text;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
        done();
      }
    });
  });

  // A saved edit is checked by the server within a moment; show the outcome.
  function check() {
    fetch(page.dataset.statusUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        const rejected = status.rejected || "";
        if (status.version !== page.dataset.version || rejected !== page.dataset.rejected) {
          window.location.reload();
        }
      })
      .catch(function () { /* server restarting: try again next time */ });
  }
  window.setInterval(check, 2000);
})();
