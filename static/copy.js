// Reveal the "Copy citation" buttons and copy the named field's text on click.
// Loaded from this origin only (the CSP forbids inline script); the page works without it.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.value).then(function () {
      button.textContent = button.textContent.replace(/…$/, "") ;
      button.setAttribute("aria-live", "polite");
      button.dataset.done = "1";
    });
  });
});
