// Interchange console: progressive enhancement only. Every page works without this file:
// it asks before destructive posts, selects all queue rows, and polls an import's progress.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.hasAttribute || !all.hasAttribute("data-select-all")) {
      return;
    }
    var boxes = document.querySelectorAll("input[name='" + all.getAttribute("data-select-all") + "']");
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = all.checked;
    }
  });

  var status = document.querySelector("[data-poll]");
  if (!status) {
    return;
  }
  var url = status.getAttribute("data-poll");
  var bar = status.querySelector("progress");
  var text = status.querySelector("[data-progress-text]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) {
          return;
        }
        if (bar && state.total > 0) {
          bar.max = state.total;
          bar.value = state.read;
        }
        if (text) {
          text.textContent = state.summary;
        }
        if (state.finished) {
          // The page as it is now, without the "started" notice of the post that began it.
          window.location.replace(window.location.pathname);
        } else {
          window.setTimeout(poll, 500);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
