/* 正义街1号 · Zhengyi — behaviour shared by every page (CSP: no inline scripts). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    // Language switcher: submit as soon as a language is chosen (the <noscript> button
    // does the same without JavaScript).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          if (typeof select.form.requestSubmit === "function") {
            select.form.requestSubmit();
          } else {
            select.form.submit();
          }
        }
      });
    });

    // Forms that take a moment (uploads): disable the button and say so, once.
    document.querySelectorAll("form[data-busy-text]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) {
          button.disabled = true;
          button.textContent = form.getAttribute("data-busy-text");
        }
        form.querySelectorAll("[data-busy]").forEach(function (el) {
          el.hidden = false;
        });
      });
    });
  });
})();
