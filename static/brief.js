// Reorder a brief's items by dragging a "Reorder" handle, or with the keyboard: focus the
// handle, Space or Enter grabs the item, the arrow keys (Home, End) move it, Space or Enter
// drops it, Escape puts it back. Each step is announced in the page's live region, and the
// order is saved at once by POST to the brief's order address with the page's CSRF token.
// Loaded from this origin only (the CSP forbids inline script); without it, each item has
// a "Move to position" field, so any reorder is still one submit.
(function () {
  "use strict";
  var list = document.getElementById("brief-items");
  var live = document.getElementById("reorder-status");
  if (!list || !live || !list.dataset.orderUrl || !window.fetch) return;
  var tokenField = document.querySelector("input[name=csrf_token]");
  var token = tokenField ? tokenField.value : "";
  var help = document.getElementById("reorder-help-drag");
  if (help) help.hidden = false;

  var grabbed = null; // the item being moved with the keyboard
  var dragged = null; // the item being dragged with a pointer
  var before = null; // the order before the move, to put back on Escape or a failed save

  function items() {
    return Array.prototype.filter.call(list.children, function (li) {
      return li.classList.contains("brief-item");
    });
  }

  function order() {
    return items().map(function (li) {
      return li.dataset.itemId;
    });
  }

  function say(name, li) {
    var all = items();
    var text = (list.dataset["msg" + name] || "")
      .replace("{item}", li ? li.dataset.label : "")
      .replace("{position}", String(all.indexOf(li) + 1))
      .replace("{total}", String(all.length));
    live.textContent = text;
  }

  function put(ids) {
    ids.forEach(function (id) {
      list.appendChild(document.getElementById("item-" + id));
    });
  }

  // after any change of order: the fallback fields and the "Duplicate: item N" marks follow
  function renumber() {
    var all = items();
    all.forEach(function (li, n) {
      var field = li.querySelector("input.position");
      if (field) field.value = String(n + 1);
    });
    list.querySelectorAll("a[data-same-as]").forEach(function (link) {
      var other = document.getElementById("item-" + link.dataset.sameAs);
      if (other) link.textContent = link.dataset.template.replace("{n}", String(all.indexOf(other) + 1));
    });
  }

  function save(li) {
    var previous = before;
    before = null;
    var ids = order();
    if (previous && previous.join(",") === ids.join(",")) {
      say("Saved", li);
      return;
    }
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("order", ids.join(","));
    fetch(list.dataset.orderUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function () {
        renumber();
        say("Saved", li);
      })
      .catch(function () {
        if (previous) put(previous);
        renumber();
        say("Failed", li);
      });
  }

  function handleFor(li) {
    return li.querySelector("button.drag-handle");
  }

  function grab(li) {
    grabbed = li;
    before = order();
    li.classList.add("grabbed");
    handleFor(li).setAttribute("aria-pressed", "true");
    say("Grabbed", li);
  }

  function release(li) {
    grabbed = null;
    li.classList.remove("grabbed");
    handleFor(li).setAttribute("aria-pressed", "false");
  }

  function moveTo(li, index) {
    var all = items();
    var from = all.indexOf(li);
    index = Math.max(0, Math.min(index, all.length - 1));
    if (index === from) return;
    var target = all[index];
    list.insertBefore(li, index > from ? target.nextSibling : target);
    handleFor(li).focus(); // moving the item takes the focus away in some browsers
    say("Moved", li);
  }

  function onKey(event) {
    var li = event.currentTarget.closest("li.brief-item");
    var key = event.key;
    if (key === " " || key === "Enter") {
      event.preventDefault();
      if (grabbed === li) {
        release(li);
        save(li);
      } else {
        if (grabbed) release(grabbed);
        grab(li);
      }
      return;
    }
    if (grabbed !== li) return;
    var at = items().indexOf(li);
    var moves = { ArrowUp: at - 1, ArrowLeft: at - 1, ArrowDown: at + 1, ArrowRight: at + 1, Home: 0, End: items().length - 1 };
    if (key in moves) {
      event.preventDefault();
      moveTo(li, moves[key]);
    } else if (key === "Escape" || key === "Tab") {
      if (key === "Escape") event.preventDefault();
      release(li);
      if (before) put(before);
      before = null;
      handleFor(li).focus();
      say("Cancelled", li);
    }
  }

  items().forEach(function (li) {
    var handle = document.createElement("button");
    handle.type = "button";
    handle.className = "drag-handle";
    handle.setAttribute("aria-pressed", "false");
    handle.setAttribute("aria-describedby", "reorder-help");
    var arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "↕ ";
    handle.appendChild(arrow);
    handle.appendChild(document.createTextNode(list.dataset.msgHandle));
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = ": " + li.dataset.label;
    handle.appendChild(name);
    li.insertBefore(handle, li.firstChild);
    handle.addEventListener("keydown", onKey);
    // only the handle starts a drag, so the item's text can still be selected
    handle.addEventListener("pointerdown", function () {
      li.draggable = true;
    });
    handle.addEventListener("pointerup", function () {
      if (!dragged) li.draggable = false;
    });
    li.addEventListener("dragstart", function (event) {
      if (!li.draggable) return;
      dragged = li;
      before = order();
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.dataset.itemId);
    });
    li.addEventListener("dragend", function () {
      li.draggable = false;
      li.classList.remove("dragging");
      if (dragged === li && before) put(before); // dropped outside the list: put back
      dragged = null;
      before = null;
      renumber();
    });
  });

  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var over = event.target.closest ? event.target.closest("li.brief-item") : null;
    if (!over || over === dragged || over.parentNode !== list) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  list.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var li = dragged;
    dragged = null; // dropped: dragend keeps the new order
    save(li);
  });
})();
