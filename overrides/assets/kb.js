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

// "Open now": each support channel's schedule (data-open: 24/7, or days and UTC hours like
// "mon-fri 09:00-21:00", the form locales/helpcenter.yml allows) against the reader's clock.
var KB_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function kbOpenNow(schedule, now) {
  if (schedule === "24/7") return true;
  var m = /^([a-z]{3})(?:-([a-z]{3}))? (\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(schedule);
  if (!m) return null;
  var first = KB_DAYS.indexOf(m[1]), last = KB_DAYS.indexOf(m[2] || m[1]), day = now.getUTCDay();
  var inDays = first <= last ? day >= first && day <= last : day >= first || day <= last;
  var minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return inDays && minute >= +m[3] * 60 + +m[4] && minute < +m[5] * 60 + +m[6];
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".kb-channels").forEach(function (list) {
    list.querySelectorAll(".kb-channel[data-open]").forEach(function (channel) {
      var open = kbOpenNow(channel.getAttribute("data-open"), new Date());
      if (open === null) return;
      var now = channel.querySelector(".kb-channel__now");
      channel.classList.add(open ? "kb-channel--open" : "kb-channel--closed");
      if (now) now.textContent = now.getAttribute(open ? "data-open-text" : "data-closed-text");
    });
    // Open channels first, each keeping its configured order.
    var closed = list.querySelector(".kb-channel--closed");
    list.querySelectorAll(".kb-channel--closed ~ .kb-channel--open").forEach(function (open) {
      list.insertBefore(open, closed);
    });
  });
  document.querySelectorAll("[data-kb-feedback]").forEach(kbFeedback);
});

// "Was this helpful?": post the answer where the site says (sendBeacon: no page change), or keep it
// here when there is no endpoint; either way thank the reader, and after "No" offer the ticket form.
function kbFeedback(form) {
  function answer(value) {
    if (form.getAttribute("data-kb-feedback") === "post" && navigator.sendBeacon) {
      var data = new FormData(form);
      data.set("helpful", value);
      navigator.sendBeacon(form.action, data);
    }
    form.querySelectorAll("button, [data-helpful]").forEach(function (el) { el.hidden = true; });
    var thanks = form.querySelector(".kb-feedback__thanks");
    thanks.hidden = false;
    var ticket = form.querySelector(".kb-feedback__ticket");
    if (ticket && value === "no") ticket.hidden = false;
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=helpful]");
    if (!button || (form.getAttribute("data-kb-feedback") === "post" && !navigator.sendBeacon)) return;
    event.preventDefault();
    answer(button.value);
  });
}
