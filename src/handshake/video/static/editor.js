/* The tag editor of a shoppable video (/admin/videos/{id}), drawn from the page's JSON block
   (#video-editor-data). A timeline under the video has a bar per tag: drag a bar to move the
   tag, drag an edge to change its start or end; on release the range is saved through the
   operator API (session cookie + X-CSRF-Token header). A refused range (past the end of the
   video…) shows the API's message and the bar snaps back. Click a bar to select its tag, then
   draw a box on the video: the box becomes the tag's hotspot key frame at the current time.
   Everything but drawing also exists as plain forms on the page. */
(function () {
  "use strict";

  var SNAP_MS = 100;
  var source = document.getElementById("video-editor-data");
  if (!source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("video-editor-labels").textContent);
  var video = document.getElementById("vt-video");
  var lanes = document.getElementById("vt-lanes");
  var playhead = document.getElementById("vt-playhead");
  var overlay = document.getElementById("vt-overlay");
  var message = document.getElementById("vt-message");
  var drawButton = document.getElementById("vt-draw");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var tags = {};
  data.tags.forEach(function (tag) { tags[tag.id] = tag; });
  var selected = null;
  var drag = null;
  var drawing = null;
  // Times typed in the add form (or kept from a refused post) no longer follow the playhead.
  var typedTimes = document.querySelector('[data-testid="tag-form"]').dataset.kept === "true";

  function percent(ms) { return (100 * ms / data.duration_ms) + "%"; }
  function nowMs() { return Math.round(video.currentTime * 1000); }
  function seconds(ms) { return String(ms / 1000); }
  function clamp(value) { return Math.max(0, Math.min(1, value)); }

  /* m:ss.t, or m:ss.mmm when not a whole tenth (as the page's own times). */
  function timecode(ms) {
    var minutes = Math.floor(ms / 60000);
    var whole = Math.floor((ms % 60000) / 1000);
    var millis = ms % 1000;
    var fraction = millis % 100 === 0 ? String(millis / 100) : String(millis).padStart(3, "0");
    return minutes + ":" + String(whole).padStart(2, "0") + "." + fraction;
  }

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  }

  function refused(problem) {
    var reason = problem.detail || problem.title || problem.message || "?";
    if (problem.code) {
      reason += " (" + problem.code + ")";
    }
    say(labels.refused.replace("%(reason)s", reason), true);
  }

  function place(bar, start, end) {
    bar.style.left = percent(start);
    bar.style.width = percent(end - start);
  }

  /* The tag's saved range everywhere the page shows it: its bar, its card and the card's form. */
  function showTag(tag) {
    var bar = lanes.querySelector('.vt-bar[data-tag-id="' + tag.id + '"]');
    place(bar, tag.start_ms, tag.end_ms);
    bar.dataset.startMs = tag.start_ms;
    bar.dataset.endMs = tag.end_ms;
    var card = document.querySelector('[data-testid="tag"][data-tag-id="' + tag.id + '"]');
    if (!card) {
      return;
    }
    card.querySelector('[data-testid="tag-range"]').textContent =
      timecode(tag.start_ms) + " – " + timecode(tag.end_ms);
    card.querySelector('[data-testid="tag-key-frames"]').textContent = tag.hotspots.length;
    card.querySelector('input[name="start_s"]').value = seconds(tag.start_ms);
    card.querySelector('input[name="end_s"]').value = seconds(tag.end_ms);
  }

  function patch(tag, body) {
    say(labels.saving, false);
    return fetch(data.api + "/tags/" + encodeURIComponent(tag.id), {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw answer;
        }
        tag.start_ms = answer.start_ms;
        tag.end_ms = answer.end_ms;
        tag.hotspots = answer.hotspots;
        return tag;
      });
    });
  }

  /* ---- the playhead, the current cue and the add form's default times ---- */

  function showTime() {
    var ms = nowMs();
    playhead.style.left = percent(Math.min(ms, data.duration_ms));
    document.getElementById("vt-time").textContent = timecode(ms);
    document.querySelectorAll('[data-testid="cue"]').forEach(function (cue) {
      var inside = Number(cue.dataset.startMs) <= ms && ms < Number(cue.dataset.endMs);
      cue.classList.toggle("current", inside);
    });
    if (!typedTimes) {
      document.getElementById("tag-start").value = seconds(Math.min(ms, data.duration_ms - 1));
      document.getElementById("tag-end").value = seconds(
        Math.min(ms + data.new_tag_ms, data.duration_ms));
    }
    drawHotspots();
  }

  function follow() {
    showTime();
    if (!video.paused && !video.ended) {
      window.requestAnimationFrame(follow);
    }
  }

  function seek(ms) {
    video.currentTime = Math.max(0, Math.min(ms, data.duration_ms)) / 1000;
    showTime();
  }

  /* ---- dragging bars ---- */

  function range(current, event) {
    var moved = (event.clientX - current.x) / current.width * data.duration_ms;
    var delta = Math.round(moved / SNAP_MS) * SNAP_MS;
    var start = current.tag.start_ms;
    var end = current.tag.end_ms;
    if (current.mode !== "end") {
      start += delta;
    }
    if (current.mode !== "start") {
      end += delta;
    }
    return { start: start, end: end, delta: delta };
  }

  function select(tag) {
    selected = tag;
    lanes.querySelectorAll(".vt-bar").forEach(function (bar) {
      bar.classList.toggle("selected", bar.dataset.tagId === tag.id);
    });
    document.getElementById("vt-selected").textContent =
      tag.sku + " (" + timecode(tag.start_ms) + " – " + timecode(tag.end_ms) + ")";
    var ms = nowMs();
    if (ms < tag.start_ms || ms > tag.end_ms) {
      seek(tag.start_ms);
    }
    drawHotspots();
  }

  function startDrag(event) {
    if (event.button !== 0) {
      return;
    }
    var bar = event.currentTarget;
    drag = { bar: bar, tag: tags[bar.dataset.tagId], mode: event.target.dataset.handle || "move",
      x: event.clientX, width: lanes.getBoundingClientRect().width };
    bar.setPointerCapture(event.pointerId);
    bar.classList.add("dragging");
    event.preventDefault();
    event.stopPropagation();
  }

  function moveDrag(event) {
    if (drag) {
      var wanted = range(drag, event);
      place(drag.bar, wanted.start, wanted.end);
    }
  }

  function endDrag(event) {
    if (!drag) {
      return;
    }
    var current = drag;
    var wanted = range(current, event);
    drag = null;
    current.bar.classList.remove("dragging");
    if (wanted.delta === 0) {
      showTag(current.tag);
      select(current.tag);
      return;
    }
    patch(current.tag, { start_ms: wanted.start, end_ms: wanted.end }).then(function (tag) {
      showTag(tag);
      say(labels.saved, false);
      if (selected === tag) {
        select(tag);
      }
    }, function (problem) {
      showTag(current.tag);  // back where the server still has it
      refused(problem);
    });
  }

  function cancelDrag() {
    if (drag) {
      drag.bar.classList.remove("dragging");
      showTag(drag.tag);
      drag = null;
    }
  }

  function seekOnTimeline(event) {
    if (event.button !== 0 || event.target.closest(".vt-bar")) {
      return;
    }
    var box = lanes.getBoundingClientRect();
    seek(Math.round((event.clientX - box.left) / box.width * data.duration_ms));
  }

  /* ---- hotspots: shown where the playhead is, drawn for the selected tag ---- */

  /* Where the picture is inside the <video> box (letterboxed to keep its proportions). */
  function picture() {
    var box = video.getBoundingClientRect();
    var area = overlay.getBoundingClientRect();
    var scale = video.videoWidth ?
      Math.min(box.width / video.videoWidth, box.height / video.videoHeight) : 0;
    var width = scale ? video.videoWidth * scale : box.width;
    var height = scale ? video.videoHeight * scale : box.height;
    return { left: box.left - area.left + (box.width - width) / 2,
      top: box.top - area.top + (box.height - height) / 2, width: width, height: height,
      pageLeft: box.left + (box.width - width) / 2, pageTop: box.top + (box.height - height) / 2 };
  }

  function boxAt(frames, ms) {
    if (ms <= frames[0].at_ms) {
      return frames[0];
    }
    for (var i = 1; i < frames.length; i += 1) {
      var before = frames[i - 1];
      var after = frames[i];
      if (ms <= after.at_ms) {
        var k = (ms - before.at_ms) / (after.at_ms - before.at_ms);
        return { x: before.x + k * (after.x - before.x), y: before.y + k * (after.y - before.y),
          w: before.w + k * (after.w - before.w), h: before.h + k * (after.h - before.h) };
      }
    }
    return frames[frames.length - 1];
  }

  function showBox(element, box, shape) {
    element.style.left = (shape.left + box.x * shape.width) + "px";
    element.style.top = (shape.top + box.y * shape.height) + "px";
    element.style.width = (box.w * shape.width) + "px";
    element.style.height = (box.h * shape.height) + "px";
  }

  function drawHotspots() {
    overlay.querySelectorAll(".vt-hotspot").forEach(function (old) { old.remove(); });
    var ms = nowMs();
    var shape = picture();
    Object.keys(tags).forEach(function (id) {
      var tag = tags[id];
      if (!tag.hotspots.length || tag.status === "rejected" || ms < tag.start_ms ||
          ms > tag.end_ms) {
        return;
      }
      var element = document.createElement("div");
      element.className = "vt-hotspot" + (tag === selected ? " selected" : "");
      element.textContent = tag.sku;
      showBox(element, boxAt(tag.hotspots, ms), shape);
      overlay.appendChild(element);
    });
  }

  function setDrawing(on) {
    overlay.classList.toggle("drawing", on);
    drawButton.setAttribute("aria-pressed", on ? "true" : "false");
    drawButton.textContent = on ? labels.cancel : labels.draw;
    if (on) {
      video.pause();
      say(labels.drawing, false);
    }
  }

  function toggleDrawing() {
    if (!selected) {
      say(labels.select_first, true);
      return;
    }
    setDrawing(!overlay.classList.contains("drawing"));
  }

  function pointIn(shape, event) {
    return { x: clamp((event.clientX - shape.pageLeft) / shape.width),
      y: clamp((event.clientY - shape.pageTop) / shape.height) };
  }

  function drawnBox(event) {
    var end = pointIn(drawing.shape, event);
    return { x: Math.min(drawing.from.x, end.x), y: Math.min(drawing.from.y, end.y),
      w: Math.abs(end.x - drawing.from.x), h: Math.abs(end.y - drawing.from.y) };
  }

  function startBox(event) {
    if (!overlay.classList.contains("drawing") || event.button !== 0) {
      return;
    }
    var shape = picture();
    var rubber = document.createElement("div");
    rubber.className = "vt-rubber";
    overlay.appendChild(rubber);
    drawing = { shape: shape, from: pointIn(shape, event), rubber: rubber };
    overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  function growBox(event) {
    if (drawing) {
      showBox(drawing.rubber, drawnBox(event), drawing.shape);
    }
  }

  function endBox(event) {
    if (!drawing) {
      return;
    }
    var box = drawnBox(event);
    drawing.rubber.remove();
    drawing = null;
    setDrawing(false);
    if (box.w < 0.01 || box.h < 0.01) {
      return;
    }
    var frame = { at_ms: nowMs(), x: box.x, y: box.y, w: box.w, h: box.h };
    var frames = selected.hotspots.filter(function (f) { return f.at_ms !== frame.at_ms; });
    frames.push(frame);
    frames.sort(function (a, b) { return a.at_ms - b.at_ms; });
    saveHotspots(selected, frames, labels.hotspot_saved);
  }

  function saveHotspots(tag, frames, done) {
    patch(tag, { hotspots: frames }).then(function (saved) {
      showTag(saved);
      drawHotspots();
      say(done, false);
    }, refused);
  }

  function clearHotspot() {
    if (!selected) {
      say(labels.select_first, true);
      return;
    }
    saveHotspots(selected, [], labels.hotspot_removed);
  }

  /* ---- wiring ---- */

  lanes.querySelectorAll(".vt-bar").forEach(function (bar) {
    showTag(tags[bar.dataset.tagId]);
    bar.addEventListener("pointerdown", startDrag);
    bar.addEventListener("pointermove", moveDrag);
    bar.addEventListener("pointerup", endDrag);
    bar.addEventListener("pointercancel", cancelDrag);
  });
  lanes.addEventListener("pointerdown", seekOnTimeline);
  overlay.addEventListener("pointerdown", startBox);
  overlay.addEventListener("pointermove", growBox);
  overlay.addEventListener("pointerup", endBox);
  drawButton.addEventListener("click", toggleDrawing);
  document.getElementById("vt-clear").addEventListener("click", clearHotspot);
  document.querySelectorAll("[data-seek-ms]").forEach(function (button) {
    button.addEventListener("click", function () { seek(Number(button.dataset.seekMs)); });
  });
  ["tag-start", "tag-end"].forEach(function (id) {
    document.getElementById(id).addEventListener("input", function () { typedTimes = true; });
  });
  video.addEventListener("play", follow);
  ["seeked", "timeupdate", "loadedmetadata"].forEach(function (name) {
    video.addEventListener(name, showTime);
  });
  window.addEventListener("resize", drawHotspots);
  document.getElementById("vt-tools").hidden = false;
  document.getElementById("vt-timeline").classList.add("ready");
  showTime();
}());
