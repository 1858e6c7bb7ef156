/* 处警标准 editor: add zone-type override rows, mark rows for removal, keep each row's title current.
 * Without JavaScript the form still works: one blank override row is always rendered and the
 * "删除此例外" checkboxes are plain form fields. */
(function () {
  "use strict";

  function titleOf(card) {
    var category = card.querySelector("select[name$='-category']");
    var zone = card.querySelector("select[name$='-zone_kind']");
    var title = card.querySelector("[data-rule-title]");
    if (!category || !zone || !title || !category.value) {
      return;
    }
    var parts = [category.options[category.selectedIndex].text];
    parts.push(zone.options[zone.selectedIndex].text);
    title.textContent = parts.join(" · ");
  }

  function wire(card) {
    card.querySelectorAll("select[name$='-category'], select[name$='-zone_kind']").forEach(function (select) {
      select.addEventListener("change", function () {
        titleOf(card);
      });
    });
    var remove = card.querySelector("input[name$='-DELETE']");
    if (remove) {
      var sync = function () {
        card.classList.toggle("removed", remove.checked);
        card.querySelectorAll("select, input:not([type=checkbox]):not([type=hidden]), textarea").forEach(function (el) {
          el.disabled = remove.checked;
        });
      };
      remove.addEventListener("change", sync);
      sync();
    }
  }

  function start() {
    var form = document.getElementById("standard-form");
    var button = document.getElementById("add-override");
    var template = document.getElementById("override-template");
    var rows = document.getElementById("override-rows");
    if (!form || !button || !template || !rows) {
      return;
    }
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    document.querySelectorAll("[data-rule-card]").forEach(wire);
    document.querySelectorAll("[data-no-js-hint]").forEach(function (el) {
      el.hidden = true;
    });
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var card = holder.firstElementChild;
      rows.appendChild(card);
      total.value = String(index + 1);
      wire(card);
      var first = card.querySelector("select");
      if (first) {
        first.focus();
      }
    });
    // Disabled fields are not submitted; re-enable them so a removed row still posts its DELETE flag
    // and the formset keeps its indexes.
    form.addEventListener("submit", function () {
      form.querySelectorAll("[disabled]").forEach(function (el) {
        if (el.tagName !== "BUTTON") {
          el.disabled = false;
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
