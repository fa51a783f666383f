// Shoppable video player: shows each tag while the video is inside its range, placed on its
// hotspot (moved linearly between key frames), and opens the product sheet when tapped.
// Reads its tags from the page's JSON block; no inline script, no third-party code.
(function () {
  "use strict";
  const video = document.getElementById("shoppable-video");
  const block = document.getElementById("video-tags");
  const layer = document.querySelector(".tag-layer");
  const sheet = document.getElementById("tag-sheet");
  if (!video || !block || !layer || !sheet) return;
  const data = JSON.parse(block.textContent);
  const buttons = new Map();

  function boxAt(tag, ms) {
    const frames = tag.hotspots;
    if (!frames.length) return null;
    if (ms <= frames[0].at_ms) return frames[0];
    for (let i = 1; i < frames.length; i += 1) {
      const a = frames[i - 1], b = frames[i];
      if (ms <= b.at_ms) {
        const f = (ms - a.at_ms) / (b.at_ms - a.at_ms);
        const mix = (k) => a[k] + (b[k] - a[k]) * f;
        return { x: mix("x"), y: mix("y"), w: mix("w"), h: mix("h") };
      }
    }
    return frames[frames.length - 1];
  }

  function button(tag) {
    let el = buttons.get(tag.id);
    if (el) return el;
    el = document.createElement("button");
    el.type = "button";
    el.className = "tag-button";
    el.dataset.testid = "tag-button";
    el.dataset.tagId = tag.id;
    el.textContent = (data.labels[tag.call_to_action] || "") + " · " + tag.title;
    el.addEventListener("click", () => open(tag));
    buttons.set(tag.id, el);
    return el;
  }

  function render() {
    const ms = video.currentTime * 1000;
    for (const tag of data.tags) {
      const shown = ms >= tag.start_ms && ms < tag.end_ms;
      const el = button(tag);
      if (!shown) { el.remove(); continue; }
      const box = boxAt(tag, ms);
      el.classList.toggle("chip", !box);
      if (box) {
        el.style.left = (box.x * 100) + "%";
        el.style.top = ((box.y + box.h) * 100) + "%";
      } else {
        el.style.left = ""; el.style.top = "";
      }
      if (!el.isConnected) layer.appendChild(el);
    }
  }

  function field(name) { return sheet.querySelector('[data-field="' + name + '"]'); }

  function open(tag) {
    video.pause();
    const offer = tag.offer || {};
    field("title").textContent = tag.title;
    field("price").textContent = offer.price || "";
    field("list_price").textContent = offer.member_price ? offer.list_price : "";
    field("member").hidden = !offer.member_price;
    field("availability").textContent = data.labels[offer.availability] || "";
    field("delivery").textContent = offer.delivery || "";
    field("link").href = "/products/" + tag.product_id;
    sheet.querySelector('input[name="variant_id"]').value = tag.variant_id;
    sheet.querySelector('input[name="product_id"]').value = tag.product_id;
    sheet.querySelector('button[type="submit"]').disabled = offer.availability === "out_of_stock";
    sheet.hidden = false;
  }

  sheet.querySelector("[data-close]").addEventListener("click", () => {
    sheet.hidden = true;
    video.play().catch(() => {});
  });
  video.addEventListener("timeupdate", render);
  video.addEventListener("seeked", render);
  video.addEventListener("loadedmetadata", render);
  render();
})();
