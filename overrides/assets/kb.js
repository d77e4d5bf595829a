// Offline search with Pagefind: every [data-kb-search] element gets a search box.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof PagefindUI === "undefined") return;
  document.querySelectorAll("[data-kb-search]").forEach(function (element) {
    new PagefindUI({ element: element, showSubResults: true, showImages: false });
  });
  var dialog = document.getElementById("kb-search-dialog");
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
    if (event.key === "/" && !typing && dialog) { event.preventDefault(); open(); }
  });
});
