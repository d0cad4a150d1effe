"""The picture the demo's runner "takes" on day 2: drawn, not shot, so the demo needs no file and no network.

The demo's fake Telegram keeps it under the photo's file id, so the live page (`demo --serve`) shows it
the way it shows a real runner's photo: downloaded by the bot, served from /photos/<id>.
"""

from __future__ import annotations

import io


def road_at_dawn(width_px: int = 640, height_px: int = 480) -> bytes:
    """A PNG: a dawn sky, the sun, a road running to the horizon between green fields."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse, Polygon, Rectangle

    figure = Figure(figsize=(width_px / 100, height_px / 100), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")
    sky = [(1.0, 0.62, 0.36), (1.0, 0.78, 0.55), (0.62, 0.80, 0.93)]
    bands = 40
    for i in range(bands):  # the sky, warm at the horizon, blue above
        t = i / (bands - 1)
        low, high = (sky[0], sky[1]) if t < 0.5 else (sky[1], sky[2])
        u = t * 2 if t < 0.5 else (t - 0.5) * 2
        colour = tuple(a + (b - a) * u for a, b in zip(low, high, strict=True))
        axes.add_patch(Rectangle((0, 0.45 + 0.55 * t), 1, 0.55 / bands + 0.002, color=colour, linewidth=0))
    axes.add_patch(Ellipse((0.68, 0.5), 0.1, 0.1 * width_px / height_px, color="#fff3bf", linewidth=0))
    axes.add_patch(Rectangle((0, 0), 1, 0.46, color="#5c940d", linewidth=0))
    axes.add_patch(Polygon([(0.18, 0), (0.82, 0), (0.52, 0.46), (0.48, 0.46)], color="#495057", linewidth=0))
    for y0, y1 in ((0.0, 0.07), (0.13, 0.18), (0.23, 0.265), (0.31, 0.335), (0.37, 0.385)):
        # the centre line's dashes, narrower towards the horizon
        w0, w1 = (0.012 * (0.46 - y) / 0.46 + 0.001 for y in (y0, y1))
        axes.add_patch(Polygon([(0.5 - w0, y0), (0.5 + w0, y0), (0.5 + w1, y1), (0.5 - w1, y1)], color="#f8f9fa"))
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
