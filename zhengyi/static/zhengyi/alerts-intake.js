/* 接警 intake: keyboard-first. Type a category ("dq" → 盗窃) or a place, pick with ↑ ↓ Enter,
 * Enter moves to the next field, Ctrl+Enter submits from anywhere. The phone number is checked
 * as it is typed with the server's rule; the server checks again and has the last word.
 *
 * The last of three scripts (alerts/intake.html): alerts-intake-combo.js and
 * alerts-intake-pickers.js put what this one needs on window.Zhengyi.intake.
 */
(function () {
  "use strict";
  var Z = window.Zhengyi || {};
  var A = Z.alerts;
  var I = Z.intake || {};

  // The server's rule (core.identifiers.validate_mobile): strip spaces and hyphens, then an
  // optional +86 / 0086 / 86 (when 13 digits) prefix; what is left is ^1[3-9]\d{9}$.
  function normalPhone(value) {
    var v = value.replace(/[\s\-]+/g, "");
    if (v.indexOf("+86") === 0) {
      v = v.slice(3);
    } else if (v.indexOf("0086") === 0) {
      v = v.slice(4);
    } else if (v.indexOf("86") === 0 && v.length === 13) {
      v = v.slice(2);
    }
    return v;
  }
  function phoneOk(value) {
    return /^1[3-9]\d{9}$/.test(normalPhone(value));
  }

  // ---------- the page ----------

  A.ready(function () {
    var form = document.getElementById("intake-form");
    if (!form) {
      return;
    }
    var words = A.words("alerts-i18n");
    var el = function (name) {
      return form.elements.namedItem(name);
    };
    var page = { form: form, words: words, el: el };

    var category = I.categoryPicker(page);
    var place = I.placePicker(page);

    // ----- phone -----
    var phone = el("caller_phone");
    var phoneCheck = document.getElementById("phone-check");
    var phoneHelp = phoneCheck ? phoneCheck.textContent : "";
    var phoneBlurred = false;
    function checkPhone(final) {
      var v = phone.value.trim();
      var field = phone.closest(".field");
      if (!v) {
        phoneCheck.textContent = phoneHelp;
        phoneCheck.className = "help phone-check";
        phone.removeAttribute("aria-invalid");
        return true;
      }
      var ok = phoneOk(v);
      if (ok) {
        phoneCheck.textContent = words.phone_ok || "";
        phoneCheck.className = "help phone-check ok";
        phone.removeAttribute("aria-invalid");
        if (field) {
          field.classList.remove("has-error");
        }
      } else if (final || phoneBlurred || normalPhone(v).length >= 11) {
        phoneCheck.textContent = words.phone_bad || "";
        phoneCheck.className = "help phone-check bad";
        phone.setAttribute("aria-invalid", "true");
      }
      return ok;
    }
    phone.setAttribute("aria-describedby", "phone-check");
    phone.addEventListener("input", function () {
      checkPhone(false);
    });
    phone.addEventListener("blur", function () {
      phoneBlurred = true;
      checkPhone(true);
    });

    // ----- keyboard: Enter → next field, Ctrl+Enter → submit -----
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.ctrlKey || e.metaKey || e.defaultPrevented) {
        return;
      }
      var t = e.target;
      if (t.tagName === "INPUT" && ["submit", "button"].indexOf(t.type) === -1) {
        e.preventDefault();
        I.focusNext(t);
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        category.close();
        place.close();
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else if (form.dispatchEvent(new Event("submit", { cancelable: true }))) {
          form.submit();
        }
      }
    });

    var submitting = false;
    form.addEventListener("submit", function (e) {
      if (submitting) {
        e.preventDefault();
        return;
      }
      if (!checkPhone(true)) {
        e.preventDefault();
        phone.focus();
        return;
      }
      submitting = true;
      var button = document.getElementById("intake-submit");
      if (button) {
        button.disabled = true;
        button.textContent = words.submitting || button.textContent;
      }
    });

    // Back from the server with errors: start at the first one.
    var firstError = form.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
    if (firstError && document.activeElement !== firstError) {
      firstError.focus();
    }
  });
})();
