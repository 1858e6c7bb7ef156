// Case pages: select parties in bulk, choose which limit to extend, print the receipt.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      const name = box.getAttribute("data-select-all");
      box.closest("form").querySelectorAll(`input[name="${name}"]`).forEach((b) => { b.checked = box.checked; });
    });
  });
  document.querySelectorAll("[data-select-role]").forEach((btn) => {
    btn.addEventListener("click", () => {
      const role = btn.getAttribute("data-select-role");
      btn.closest("form").querySelectorAll('input[name="party"]').forEach((b) => {
        b.checked = b.getAttribute("data-role") === role;
      });
    });
  });
  document.querySelectorAll("[data-extension-target]").forEach((sel) => {
    const form = sel.closest("form");
    const apply = () => {
      const [limit, measure] = sel.value.split("|");
      form.querySelector('input[name="limit"]').value = limit;
      form.querySelector('input[name="measure"]').value = measure || "";
    };
    sel.addEventListener("change", apply);
    apply();
  });
  document.querySelectorAll("[data-print]").forEach((btn) => btn.addEventListener("click", () => window.print()));
});
