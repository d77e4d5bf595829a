// The search dialog of the header: opened by its button or by "/" (kb-search.js answers the queries).
document.addEventListener("DOMContentLoaded", function () {
  var dialog = document.getElementById("kb-search-dialog");
  if (!dialog) return;
  function open() {
    if (!dialog.open) dialog.showModal();
    var input = dialog.querySelector("input");
    if (input) input.focus();
  }
  document.querySelectorAll("[data-kb-search-open]").forEach(function (button) {
    button.addEventListener("click", open);
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); open(); }
  });
});
