// The admin's date and time fields warn "You are N hours behind server time" on
// every field when the browser's zone differs from the server's (a headless or an
// interstate browser). The zone is said once, at the foot of each page, instead:
// without the body's offset the admin's DateTimeShortcuts adds no warning.
document.addEventListener("DOMContentLoaded", function () {
  delete document.body.dataset.adminUtcOffset;
});
