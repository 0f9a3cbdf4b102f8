// Draw regions on a picture under review: a drag on a picture writes its box, in the
// picture's own pixels, as a line of the "Regions to burn out" list (which a custodian can
// also type: the form works without this script). Unticking a face greys its box.
// Loaded from this origin only (the CSP forbids inline script).
(function () {
  var list = document.getElementById("drawn");
  if (!list) return;
  var SVG = "http://www.w3.org/2000/svg";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".picture-frame"));

  function lines() {
    return list.value.split("\n").map(function (line) {
      var v = line.replace(/,/g, " ").trim().split(/\s+/).map(Number);
      return v.length === 5 && v.every(isFinite) ? v : null;
    }).filter(Boolean);
  }

  function show() {
    frames.forEach(function (frame) {
      var svg = frame.querySelector("svg");
      Array.prototype.slice.call(svg.querySelectorAll("rect.drawn")).forEach(function (r) { r.remove(); });
      lines().forEach(function (v) {
        if (String(v[0]) !== frame.dataset.page) return;
        var rect = document.createElementNS(SVG, "rect");
        rect.setAttribute("class", "region custodian drawn");
        rect.setAttribute("x", v[1]);
        rect.setAttribute("y", v[2]);
        rect.setAttribute("width", v[3]);
        rect.setAttribute("height", v[4]);
        svg.appendChild(rect);
      });
    });
  }

  function at(frame, event) {
    var box = frame.getBoundingClientRect();
    var x = (event.clientX - box.left) / box.width * Number(frame.dataset.width);
    var y = (event.clientY - box.top) / box.height * Number(frame.dataset.height);
    return [Math.max(0, Math.min(Number(frame.dataset.width), x)), Math.max(0, Math.min(Number(frame.dataset.height), y))];
  }

  frames.forEach(function (frame) {
    var start = null;
    frame.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = at(frame, event);
      frame.setPointerCapture(event.pointerId);
    });
    frame.addEventListener("pointerup", function (event) {
      if (!start) return;
      var end = at(frame, event);
      var left = Math.round(Math.min(start[0], end[0]));
      var top = Math.round(Math.min(start[1], end[1]));
      var width = Math.round(Math.abs(end[0] - start[0]));
      var height = Math.round(Math.abs(end[1] - start[1]));
      start = null;
      if (width < 3 || height < 3) return;
      var text = list.value.replace(/\s+$/, "");
      list.value = (text ? text + "\n" : "") + [frame.dataset.page, left, top, width, height].join(" ");
      show();
    });
  });

  list.addEventListener("input", show);
  Array.prototype.slice.call(document.querySelectorAll("input[name=keep]")).forEach(function (box) {
    box.addEventListener("change", function () {
      var rect = document.querySelector("rect.face[data-index='" + box.dataset.index + "']");
      if (rect) rect.classList.toggle("removed", !box.checked);
    });
  });
  show();
})();
