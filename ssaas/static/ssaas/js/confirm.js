// A button or link carrying data-confirm asks before it acts: the browser's own
// confirmation dialog with the attribute's text; "Cancel" stops the submit or the
// navigation. The Content-Security-Policy blocks inline handlers (onclick=...), so
// templates load this file instead.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
});
