// Reels' player. While the video is inside a tag's time range, the tag's button shows at its
// hotspot (interpolated linearly between key frames; a chip at the bottom when it has none).
// The first time a tag shows in this viewing, an impression is reported; a tap pauses the video
// and opens the product sheet the app answers (it reports the click). No inline script: the
// page hands the tags over in a <script type="application/json"> block.
(function () {
  "use strict";

  var block = document.getElementById("reels-player");
  var video = document.getElementById("player");
  if (!block || !video) {
    return;
  }
  var player = JSON.parse(block.textContent);
  var stage = document.getElementById("stage");
  var overlay = document.getElementById("overlay");
  var chips = document.getElementById("chips");
  var sheet = document.getElementById("sheet");
  var sheetBody = document.getElementById("sheet-body");
  var csrf = stage.getAttribute("data-csrf");
  var base = "/watch/" + encodeURIComponent(player.video_id);
  var buttons = {};
  var shown = {}; // tag id → true once its impression is reported in this viewing
  var RETRIES = 3;
  var resumed = false;

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  // The hotspot at `ms`: the first key frame before it, the last after it, else between two.
  function hotspotAt(frames, ms) {
    if (!frames.length) {
      return null;
    }
    if (ms <= frames[0].at_ms) {
      return frames[0];
    }
    for (var i = 1; i < frames.length; i += 1) {
      var a = frames[i - 1];
      var b = frames[i];
      if (ms < b.at_ms) {
        var k = (ms - a.at_ms) / (b.at_ms - a.at_ms);
        return {
          x: a.x + (b.x - a.x) * k,
          y: a.y + (b.y - a.y) * k,
          w: a.w + (b.w - a.w) * k,
          h: a.h + (b.h - a.h) * k,
        };
      }
    }
    return frames[frames.length - 1];
  }

  // The same event id on every retry (the app derives it from the viewing and the tag).
  function reportImpression(tag, attempt) {
    function again() {
      if (attempt < RETRIES) {
        window.setTimeout(function () { reportImpression(tag, attempt + 1); }, 1500 * (attempt + 1));
      }
    }
    post(base + "/impressions", { tag_id: tag.id, viewing: player.viewing })
      .then(function (answer) {
        if (answer.status >= 500) {
          again();
        }
      })
      .catch(again);
  }

  function focusSheet() {
    var first = sheetBody.querySelector("[data-testid=sheet-buy], a.button, button");
    if (first) {
      first.focus();
    }
  }

  function openSheet(tag) {
    video.pause();
    sheetBody.innerHTML = '<p class="muted" role="status">Loading…</p>';
    if (!sheet.open) {
      sheet.showModal();
    }
    var atMs = Math.round(video.currentTime * 1000);
    post(base + "/tags/" + encodeURIComponent(tag.id) + "/tap", { viewing: player.viewing, at_ms: atMs })
      .then(function (answer) { return answer.text(); })
      .then(function (html) {
        sheetBody.innerHTML = html; // the app's own template, escaped there
        focusSheet();
      })
      .catch(function () {
        sheetBody.innerHTML = '<p class="error" role="alert">The store is not answering right now; try again in a moment.</p>';
      });
  }

  function makeButton(tag) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = tag.hotspots.length ? "tag-spot" : "tag-chip";
    button.setAttribute("data-testid", "tag-overlay");
    button.setAttribute("data-tag-id", tag.id);
    button.setAttribute("aria-label", "Shop " + tag.title + (tag.price ? ", " + tag.price : ""));
    var label = document.createElement("span");
    label.textContent = tag.title + (tag.price ? " · " + tag.price : "");
    button.appendChild(label);
    button.addEventListener("click", function () { openSheet(tag); });
    (tag.hotspots.length ? overlay : chips).appendChild(button);
    return button;
  }

  function place(button, spot) {
    button.style.left = (spot.x * 100).toFixed(3) + "%";
    button.style.top = (spot.y * 100).toFixed(3) + "%";
    button.style.width = (spot.w * 100).toFixed(3) + "%";
    button.style.height = (spot.h * 100).toFixed(3) + "%";
  }

  function render() {
    var ms = video.currentTime * 1000;
    player.tags.forEach(function (tag) {
      var visible = ms >= tag.start_ms && ms < tag.end_ms;
      var button = buttons[tag.id];
      if (!visible) {
        if (button) {
          button.hidden = true;
        }
        return;
      }
      button = button || (buttons[tag.id] = makeButton(tag));
      button.hidden = false;
      var spot = hotspotAt(tag.hotspots, ms);
      if (spot) {
        place(button, spot);
      }
      if (!shown[tag.id]) {
        shown[tag.id] = true;
        reportImpression(tag, 0);
      }
    });
  }

  function loop() {
    render();
    if (!video.paused && !video.ended) {
      window.requestAnimationFrame(loop);
    }
  }

  function ready() {
    if (video.videoWidth && video.videoHeight) {
      stage.style.aspectRatio = video.videoWidth + " / " + video.videoHeight;
    }
    if (player.start_at > 0 && !resumed) {
      video.currentTime = player.start_at;
    }
    resumed = true;
    render();
  }

  video.addEventListener("loadedmetadata", ready);
  if (video.readyState >= 1) {
    ready();
  }
  ["timeupdate", "seeked", "seeking"].forEach(function (name) {
    video.addEventListener(name, render);
  });
  video.addEventListener("play", function () { window.requestAnimationFrame(loop); });

  document.querySelectorAll("[data-tap]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-tap");
      var tag = player.tags.filter(function (t) { return t.id === id; })[0];
      if (tag) {
        openSheet(tag);
      }
    });
  });
  sheet.addEventListener("click", function (event) {
    if (event.target === sheet || event.target.closest("[data-close]")) {
      sheet.close();
    }
  });
})();
