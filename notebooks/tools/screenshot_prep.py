#!/usr/bin/env python3
"""Helpers of the headless-Chromium check in notebooks/run-headless.sh (standard library only).

  screenshot_prep.py view EXECUTED.ipynb VIEW.ipynb      -> prints the number of chart outputs
      A copy for the HTML export in which every image/svg+xml output is shown as <img src="data:image/svg+xml;base64,...">
      (how JupyterLab shows SVG). Debian's nbconvert 6.5 runs SVG outputs through its HTML sanitizer, which keeps only
      their text: exported as they are, the charts would be blank boxes. The SVG bytes are the kernel's, unchanged.
  screenshot_prep.py inject PAGE.html
      Adds a script that, once the page has loaded, lists every chart image's box (and whether it loaded) and the page
      size in a hidden <pre id="moelab-chart-boxes">, for chromium --dump-dom.
  screenshot_prep.py boxes DOM.html BOXES.txt            -> prints the page height
      Reads that list back from the dumped DOM into "x y width height loaded" lines for ChartPixels.java.
"""
import base64
import json
import re
import sys

CHART_TYPES = ("image/svg+xml", "image/png")


def view(src, dst):
    nb = json.load(open(src, encoding="utf-8"))
    charts = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if not any(t in data for t in CHART_TYPES):
                continue
            charts += 1
            svg = data.get("image/svg+xml")
            if svg is not None:
                svg = "".join(svg) if isinstance(svg, list) else svg
                uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
                out["data"] = {"text/html": f'<img class="moelab-chart" src="{uri}">',
                               "text/plain": data.get("text/plain", "")}
            else:
                png = data["image/png"]
                png = "".join(png) if isinstance(png, list) else png
                out["data"] = {"text/html": f'<img class="moelab-chart" src="data:image/png;base64,{png.strip()}">',
                               "text/plain": data.get("text/plain", "")}
    json.dump(nb, open(dst, "w", encoding="utf-8"))
    print(charts)


SCRIPT = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var boxes = [];
  document.querySelectorAll("img.moelab-chart").forEach(function (e) {
    var b = e.getBoundingClientRect();
    boxes.push([Math.round(b.left + window.scrollX), Math.round(b.top + window.scrollY), Math.round(b.width),
                Math.round(b.height), e.complete && e.naturalWidth > 0 ? 1 : 0]);
  });
  var pre = document.createElement("pre");
  pre.id = "moelab-chart-boxes";
  pre.style.display = "none";
  pre.textContent = JSON.stringify({width: document.documentElement.scrollWidth,
                                    height: document.documentElement.scrollHeight, charts: boxes});
  document.body.appendChild(pre);
}, 0); });
</script>
"""


def inject(page):
    html = open(page, encoding="utf-8").read()
    if "</body>" not in html:
        sys.exit(f"screenshot_prep: no </body> in {page}")
    open(page, "w", encoding="utf-8").write(html.replace("</body>", SCRIPT + "</body>", 1))


def boxes(dom, dst):
    m = re.search(r'<pre id="moelab-chart-boxes"[^>]*>(.*?)</pre>', open(dom, encoding="utf-8", errors="replace").read(), re.S)
    if not m:
        sys.exit(f"screenshot_prep: chromium's DOM dump {dom} has no chart list (did the page load?)")
    info = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    with open(dst, "w") as f:
        for b in info["charts"]:
            f.write(" ".join(str(v) for v in b) + "\n")
    print(info["height"])


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "view" and len(sys.argv) == 4:
        view(sys.argv[2], sys.argv[3])
    elif cmd == "inject" and len(sys.argv) == 3:
        inject(sys.argv[2])
    elif cmd == "boxes" and len(sys.argv) == 4:
        boxes(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
