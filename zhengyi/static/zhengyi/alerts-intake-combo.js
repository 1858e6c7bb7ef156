/* 接警 intake: the combobox the category and place fields share, and the field order that Enter
 * and a pick follow. Kept apart from the pickers so the widget knows nothing of categories or
 * places: each picker hands it a source, a renderer and what to do on a pick.
 *
 * Loaded first of the three intake scripts (alerts/intake.html); they share window.Zhengyi.intake.
 */
(function () {
  "use strict";
  var Z = (window.Zhengyi = window.Zhengyi || {});
  var I = (Z.intake = Z.intake || {});

  var seq = 0;

  /**
   * A combobox on a text input: options from ``source(query, done)``, each rendered as
   * {main, parent, meta}; ↑ ↓ move, Enter or Tab picks, Esc closes.
   */
  function Combobox(input, listbox, opts) {
    var self = this;
    this.input = input;
    this.listbox = listbox;
    this.items = [];
    this.active = -1;
    this.opts = opts;
    this.picked = null;
    this.prefix = "opt" + ++seq + "-";

    input.addEventListener("input", function () {
      if (self.picked && input.value !== self.picked.text) {
        self.picked = null;
        opts.onClear();
      }
      self.refresh(false);
    });
    input.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) {
        return;
      }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (self.listbox.hidden) {
          self.refresh(true);
          return;
        }
        self.move(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter") {
        if (!self.listbox.hidden && self.active >= 0) {
          e.preventDefault();
          e.stopPropagation();
          self.pick(self.active, true);
        }
      } else if (e.key === "Tab") {
        if (!self.listbox.hidden && self.active >= 0 && !e.shiftKey) {
          self.pick(self.active, false);
        } else {
          self.close();
        }
      } else if (e.key === "Escape") {
        if (!self.listbox.hidden) {
          e.preventDefault();
          e.stopPropagation();
          self.close();
        }
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(function () {
        self.close();
      }, 150);
    });
    listbox.addEventListener("mousedown", function (e) {
      e.preventDefault(); // keep the focus in the input
      var li = e.target.closest("li[data-index]");
      if (li) {
        self.pick(parseInt(li.getAttribute("data-index"), 10), true);
      }
    });
  }

  Combobox.prototype.refresh = function (showAll) {
    var self = this;
    var query = this.input.value.trim();
    if (!query && !showAll) {
      this.close();
      return;
    }
    var token = (this.token = {});
    this.opts.source(query, function (items) {
      if (token !== self.token) {
        return; // a newer query has been typed
      }
      self.show(items, query);
    });
  };

  Combobox.prototype.show = function (items, query) {
    var self = this;
    this.items = items;
    this.listbox.textContent = "";
    if (!items.length) {
      if (!query) {
        this.close();
        return;
      }
      var none = document.createElement("li");
      none.className = "combo-empty";
      none.textContent = this.opts.words.no_match || "";
      this.listbox.appendChild(none);
    }
    items.forEach(function (item, i) {
      var view = self.opts.render(item);
      var li = document.createElement("li");
      li.id = self.prefix + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-index", String(i));
      li.setAttribute("aria-selected", "false");
      var main = document.createElement("span");
      main.className = "combo-main";
      if (view.parent) {
        var parent = document.createElement("span");
        parent.className = "combo-parent";
        parent.textContent = view.parent + " › ";
        main.appendChild(parent);
      }
      main.appendChild(document.createTextNode(view.main));
      li.appendChild(main);
      if (view.meta) {
        var meta = document.createElement("span");
        meta.className = "combo-meta";
        meta.textContent = view.meta;
        li.appendChild(meta);
      }
      self.listbox.appendChild(li);
    });
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.setActive(items.length ? 0 : -1);
  };

  Combobox.prototype.setActive = function (i) {
    var lis = this.listbox.querySelectorAll("li[data-index]");
    lis.forEach(function (li) {
      li.setAttribute("aria-selected", "false");
    });
    this.active = i;
    if (i >= 0 && lis[i]) {
      lis[i].setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", lis[i].id);
      lis[i].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Combobox.prototype.move = function (delta) {
    if (!this.items.length) {
      return;
    }
    var n = this.items.length;
    this.setActive((this.active + delta + n) % n);
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Combobox.prototype.pick = function (i, advance) {
    var item = this.items[i];
    if (!item) {
      return;
    }
    var text = this.opts.text(item);
    this.input.value = text;
    this.picked = { item: item, text: text };
    this.close();
    this.opts.onPick(item);
    if (advance) {
      focusNext(this.input);
    }
  };

  // ---------- field order ----------

  function fields(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button"),
      function (el) {
        return el.type !== "hidden" && !el.disabled && el.tabIndex >= 0 && el.offsetParent !== null;
      }
    );
  }

  function focusNext(el) {
    var list = fields(el.form);
    var i = list.indexOf(el);
    if (i >= 0 && i + 1 < list.length) {
      list[i + 1].focus();
    }
  }

  I.Combobox = Combobox;
  I.focusNext = focusNext;
})();
