"""Loading a page in headless Chromium with no network, for the tearsheet tests:
what it logged as errors, how many plotly charts it drew, and a screenshot's
pixels (PNG decoded here with zlib and struct)."""
import os
import re
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

# Put first in <head>: collects uncaught errors and console.error calls, and
# writes them into the DOM once the page has loaded, for --dump-dom to show.
_PROBE = ('<script>window.__keel_errors=[];'
          'window.addEventListener("error",function(e){window.__keel_errors.push('
          'String(e.message)+" at "+e.filename+":"+e.lineno)},true);'
          'var __keel_ce=console.error;console.error=function(){window.__keel_errors.push('
          'Array.from(arguments).join(" "));__keel_ce.apply(console,arguments)};'
          'window.addEventListener("load",function(){setTimeout(function(){'
          'var p=document.createElement("pre");p.id="keel-errors";'
          'p.textContent=JSON.stringify(window.__keel_errors);document.body.appendChild(p)},0)});'
          '</script>')
TIMEOUT = 180


def chromium():
    """The chromium executable. ctest names it in KEEL_CHROMIUM (CMake requires
    it when the tests are built); by hand, a missing chromium skips the test
    saying how to install it."""
    given = os.environ.get("KEEL_CHROMIUM")
    if given:
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _run(page, tmp_path, *mode):
    home = tmp_path / "chromium-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    env["HOME"] = str(home)
    # No network: every host resolves to nothing and any proxy use goes to a closed port.
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
               f"--user-data-dir={home}", "--proxy-server=127.0.0.1:9",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--no-first-run",
               "--virtual-time-budget=5000", "--window-size=1400,3000", *mode,
               page.resolve().as_uri()]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")


def load(page, tmp_path):
    """(errors the page raised or logged, number of plotly charts drawn)."""
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + _PROBE, 1),
                     encoding="utf-8")
    dom, _ = _run(probe, tmp_path, "--dump-dom")
    found = re.search(r'<pre id="keel-errors">(.*?)</pre>', dom, re.S)
    assert found, "the page did not finish loading (no error probe in the DOM)"
    import html
    import json
    errors = json.loads(html.unescape(found.group(1)))
    return errors, dom.count('class="plot-container plotly"')


def screenshot(page, tmp_path):
    """(the page's screenshot as a (height, width, 3) uint8 array, the console
    messages it logged: uncaught errors, console.error/warn/log). Drawn at
    half scale (a 700 x 1500 image of a 1400 x 3000 page): a quarter of the
    pixels to decode."""
    shot = tmp_path / "shot.png"
    _, log = _run(page, tmp_path, f"--screenshot={shot}", "--force-device-scale-factor=0.5",
                  "--enable-logging=stderr", "--v=0")
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    return decode_png(shot.read_bytes()), console


def decode_png(data):
    """8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) -> (h, w, 3) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).astype(np.int64)
        if kind == 1:
            line = line.reshape(width, channels).cumsum(axis=0).reshape(-1) % 256
        elif kind == 2:
            line = (line + previous) % 256
        elif kind in (3, 4):  # each byte needs the one decoded before it: a loop
            up, row = previous.tolist(), line.tolist()
            for i in range(stride):
                left = row[i - channels] if i >= channels else 0
                if kind == 3:
                    row[i] = (row[i] + (left + up[i]) // 2) & 255
                    continue
                corner = up[i - channels] if i >= channels else 0
                p = left + up[i] - corner
                pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else
                                    up[i] if pb <= pc else corner)) & 255
            line = np.array(row, dtype=np.int64)
        out[y] = line
        previous = line
    return out.reshape(height, width, channels)[:, :, :3]
