"""Generate the demo's sample videos, posters and captions from their manifest.

    .venv/bin/python scripts/make_demo_videos.py

Only needed to regenerate them: the outputs ship with the package under
src/handshake/demo/static/videos/ (never downloaded at run time). Needs ffmpeg with libvpx-vp9
and, for the labels, drawtext (Debian's ffmpeg has both) and a DejaVu font (fonts-dejavu).
Each scene's product is a coloured box with its name, moving linearly between the manifest's
key frames, so the tags' hotspots (the same key frames) follow the picture.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from handshake.demo.catalog_data import catalog_rows
from handshake.demo.video_seed import MANIFEST, VIDEOS_DIR, DemoScene, DemoVideo, read_manifest
from handshake.video.captions import parse_captions
from handshake.video.timeline import KeyFrame, check_key_frames

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
LABEL_SIZE, LABEL_LINE = 18, 24
HEADING_SIZE, HEADING_LINE = 24, 32
POSTER_AT_SECONDS = 4.0
# Flat colours compress to ~70 KB at CRF 40; bitexact makes a regeneration byte-identical
# (no random container ids), so only real changes show in a commit.
ENCODER = ["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "40", "-deadline", "good",
           "-cpu-used", "2", "-row-mt", "1", "-g", "48", "-pix_fmt", "yuv420p", "-an",
           "-fflags", "+bitexact", "-flags:v", "+bitexact"]  # fmt: skip


def stamp(ms: int) -> str:
    """``3000`` → ``00:00:03.000`` (a WebVTT timestamp)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def captions_of(video: DemoVideo) -> str:
    """The video's cues as a WebVTT document."""
    blocks = [f"{stamp(c.start_ms)} --> {stamp(c.end_ms)}\n{c.text}" for c in video.cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def check(videos: list[DemoVideo]) -> None:
    """Every SKU is the demo catalog's; boxes, ranges and cues fit their video."""
    skus = {str(row["sku"]) for row in catalog_rows()}
    for video in videos:
        for scene in video.scenes:
            if scene.sku not in skus:
                raise SystemExit(f"{video.key}: {scene.sku} is not a demo SKU")
            if not 0 <= scene.start_ms < scene.end_ms <= video.duration_ms:
                raise SystemExit(f"{video.key}: {scene.sku} is outside the video")
            check_key_frames(scene.key_frames, start_ms=scene.start_ms, end_ms=scene.end_ms)
        parse_captions(captions_of(video), duration_ms=video.duration_ms)


def colour(value: str) -> str:
    """``#6F4E37`` → ``0x6F4E37`` (ffmpeg's colour syntax inside a filter graph)."""
    return "0x" + value.removeprefix("#")


def along(frames: tuple[KeyFrame, ...], axis: str, size: int) -> str:
    """A piecewise-linear expression of ``t`` through the key frames' ``axis`` (in pixels)."""
    points = [(f.at_ms / 1000, getattr(f, axis) * size) for f in frames]
    expression = f"{points[-1][1]:.2f}"
    for (t0, v0), (t1, v1) in reversed(list(itertools.pairwise(points))):
        slope = (v1 - v0) / (t1 - t0)
        expression = f"if(lt(t,{t1:.3f}),{v0:.2f}+({slope:.4f})*(t-{t0:.3f}),{expression})"
    return f"'{expression}'"


class Graph:
    """An ffmpeg filter graph for one video; texts go through files (no escaping to get wrong)."""

    def __init__(
        self, video: DemoVideo, size: tuple[int, int], fps: int, work: Path, labels: bool
    ) -> None:
        self.video, (self.width, self.height), self.fps, self.work = video, size, fps, work
        self.seconds = video.duration_ms / 1000
        self.chains: list[str] = []
        self.texts = 0
        self.labels = labels

    def text(self, value: str, size: int, y: str, fill: str) -> str:
        """A centred line of text (a no-op without drawtext or the font)."""
        if not self.labels:
            return "null"
        self.texts += 1
        path = self.work / f"text{self.texts}.txt"
        path.write_text(value, encoding="utf-8")
        return (f"drawtext=fontfile={BOLD}:textfile={path}:fontsize={size}"
                f":fontcolor={colour(fill)}:x=(w-text_w)/2:y={y}")  # fmt: skip

    def source(self, colour_hex: str, width: int, height: int) -> str:
        """A plain colour source as long as the video."""
        return f"color=c={colour(colour_hex)}:s={width}x{height}:r={self.fps}:d={self.seconds}"

    def lines(
        self, lines: tuple[str, ...], size: int, step: int, top: int, fill: str = "#FFFFFF"
    ) -> str:
        """Stacked centred lines; ``top`` < 0 centres the block vertically."""
        start = f"(h-{len(lines) * step})/2" if top < 0 else str(top)
        return ",".join(
            self.text(line, size, f"{start}+{i * step}", fill) for i, line in enumerate(lines)
        )

    def backdrop(self, scene: DemoScene) -> str:
        """The scene's background colour, while it lasts."""
        return (f"drawbox=x=0:y=0:w=iw:h=ih:color={colour(scene.backdrop)}:t=fill"
                f":enable='between(t,{scene.start_ms / 1000},{scene.end_ms / 1000})'")  # fmt: skip

    def product(self, index: int, scene: DemoScene) -> None:
        """The scene's product box, moving along its key frames."""
        first = scene.key_frames[0]
        width, height = round(first.w * self.width), round(first.h * self.height)
        box = f"box{index}"
        label = self.lines(scene.label, LABEL_SIZE, LABEL_LINE, -1)
        self.chains.append(f"{self.source(scene.colour, width, height)},{label}[{box}]")
        x = along(scene.key_frames, "x", self.width)
        y = along(scene.key_frames, "y", self.height)
        window = f"between(t,{scene.start_ms / 1000},{scene.end_ms / 1000})"
        self.chains.append(f"[v{index}][{box}]overlay=x={x}:y={y}:enable='{window}'[v{index + 1}]")

    def build(self) -> str:
        """The whole graph; its output is ``[out]``."""
        video = self.video
        base = [self.source(video.background, self.width, self.height), "format=yuv420p"]
        base += [self.backdrop(s) for s in video.scenes]
        heading = self.lines(video.heading, HEADING_SIZE, HEADING_LINE, 28, "#333333")
        self.chains.append(",".join([*base, heading]) + "[v0]")
        for index, scene in enumerate(video.scenes):
            self.product(index, scene)
        last = len(video.scenes)
        self.chains.append(f"{self.source('#333333', self.width, 6)}[bar]")
        self.chains.append(
            f"[v{last}][bar]overlay=x='-w+w*t/{self.seconds}':y=H-6,format=yuv420p[out]"
        )
        return ";\n".join(self.chains)


def run(command: list[str]) -> None:
    """Run ffmpeg, quietly unless it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"ffmpeg failed ({done.returncode})")


def has_drawtext(ffmpeg: str) -> bool:
    """Whether ``ffmpeg`` can draw text (built with libfreetype) and the font is there."""
    listed = subprocess.run(  # noqa: S603
        [ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True, check=True
    )
    return " drawtext " in listed.stdout and BOLD.exists()


def make(
    video: DemoVideo, ffmpeg: str, size: tuple[int, int], fps: int, out: Path, labels: bool
) -> None:
    """Write the video's WebM, poster and captions into ``out``."""
    with tempfile.TemporaryDirectory() as work:
        graph = Graph(video, size, fps, Path(work), labels).build()
        script = Path(work) / "graph.txt"
        script.write_text(graph, encoding="utf-8")
        media = out / video.file
        run([ffmpeg, "-y", "-v", "error", "-filter_complex_script", str(script),
             "-map", "[out]", "-t", str(video.duration_ms / 1000), *ENCODER,
             "-metadata", f"title={video.title}", str(media)])  # fmt: skip
    run([ffmpeg, "-y", "-v", "error", "-ss", str(POSTER_AT_SECONDS), "-i", str(media),
         "-frames:v", "1", "-q:v", "5", str(out / video.poster)])  # fmt: skip
    (out / video.captions).write_text(captions_of(video), encoding="utf-8")


def main() -> int:
    """Check the manifest, then (re)generate every video's files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ffmpeg", default=shutil.which("ffmpeg") or "/usr/bin/ffmpeg")
    parser.add_argument("--out", type=Path, default=VIDEOS_DIR)
    args = parser.parse_args()
    document = json.loads(MANIFEST.read_text(encoding="utf-8"))
    size, fps = (int(document["width"]), int(document["height"])), int(document["fps"])
    videos = read_manifest()
    check(videos)
    labels = has_drawtext(args.ffmpeg)
    if not labels:
        print(f"no drawtext filter or no {BOLD} (fonts-dejavu): boxes without labels",
              file=sys.stderr)  # fmt: skip
    for video in videos:
        make(video, args.ffmpeg, size, fps, args.out, labels)
        sizes = ", ".join(
            f"{name} {(args.out / name).stat().st_size / 1024:.1f} KB"
            for name in (video.file, video.poster, video.captions)
        )
        print(f"{video.key}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
