// Quote a passage: text selected in the document's body fills the "Passage to quote" field,
// with where it starts (so the archive picks the right occurrence of a repeated phrase).
// Loaded from this origin only (the CSP forbids inline script); without it, paste the passage.
(function () {
  var body = document.getElementById("document-body");
  var field = document.getElementById("quote-text");
  var near = document.getElementById("quote-near");
  if (!body || !field || !near) return;

  function collapse(text) {
    return text.replace(/\s+/g, " ");
  }

  function take() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return;
    var text = collapse(selection.toString()).trim();
    if (!text) return;
    var before = document.createRange();
    before.setStart(body, 0);
    before.setEnd(range.startContainer, range.startOffset);
    field.value = text;
    near.value = String(collapse(before.toString()).replace(/^ /, "").length);
  }

  body.addEventListener("mouseup", take);
  body.addEventListener("keyup", take);
  field.addEventListener("input", function () {
    near.value = "";  // typed or pasted: no position to go by
  });
})();
