"""Turn Natural Earth's 1:110m land TopoJSON into the SVG path the report's map draws.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_map.py package/land-110m.json > reports/assets/world-land-110m.path

The projection is equirectangular on a 1000 x 500 canvas: x = (lon + 180) / 360 * 1000,
y = (90 - lat) / 180 * 500. The report places region marks with the same formula.
"""

from __future__ import annotations

import json
import sys

WIDTH, HEIGHT = 1000.0, 500.0


def main(path: str) -> None:
    topology = json.load(open(path, encoding="utf-8"))
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)

    def ring(indices: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indices:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            points.extend(arc[1:] if points else arc)
        return points

    parts = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for indices in polygon:
                path, previous = "", None
                for lon, lat in ring(indices):
                    # A ring that crosses the antimeridian (Russia, Fiji) must not draw a
                    # line across the whole map: start a new subpath at the jump.
                    jump = previous is not None and abs(lon - previous) > 180
                    command = "M" if previous is None or jump else "L"
                    path += f"{command}{(lon + 180) / 360 * WIDTH:.1f},{(90 - lat) / 180 * HEIGHT:.1f}"
                    previous = lon
                parts.append(path + "Z")
    sys.stdout.write("".join(parts) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
