// The directory's filter panel: open on a wide screen, where it fits beside the results'
// width; a phone keeps it closed so the results come first (the button says how many
// filters are set). Without JavaScript the button still opens it.
(function () {
  if (!window.matchMedia("(min-width: 48rem)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
    panel.open = true;
  });
})();
