"""The field app's icons (``public/field/icon-192.png``, ``icon-512.png``): a white house with a
check mark on SIPMAS blue, drawn inside the middle 80 % so a launcher may crop it to a circle
(``purpose: any maskable``). Run once when the design changes: ``python web/scripts/field-icons.py``
(Pillow, from the project's virtualenv); the PNGs are committed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 74, 125)  # --brand of styles.css
WHITE = (255, 255, 255)
FOCUS = (255, 191, 71)  # --focus: the check mark
OUT = Path(__file__).resolve().parents[1] / "public" / "field"


def icon(size: int) -> Image.Image:
    scale = 4  # drawn large, then scaled down: smooth edges without antialiasing primitives
    s = size * scale
    image = Image.new("RGB", (s, s), BRAND)
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * s, y * s)

    # the house: a roof and a body, inside the maskable safe zone (radius 0.4 of the icon)
    draw.polygon([at(0.5, 0.24), at(0.76, 0.47), at(0.24, 0.47)], fill=WHITE)
    draw.rectangle([at(0.31, 0.46), at(0.69, 0.74)], fill=WHITE)
    draw.rectangle([at(0.45, 0.58), at(0.55, 0.74)], fill=BRAND)  # the door
    # the check mark: visited
    width = int(0.055 * s)
    draw.line([at(0.55, 0.66), at(0.63, 0.74), at(0.79, 0.55)], fill=FOCUS, width=width)
    for x, y in (at(0.55, 0.66), at(0.63, 0.74), at(0.79, 0.55)):
        r = width / 2
        draw.ellipse([x - r, y - r, x + r, y + r], fill=FOCUS)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        print(OUT / f"icon-{size}.png")


if __name__ == "__main__":
    main()
