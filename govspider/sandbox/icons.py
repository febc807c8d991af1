"""Deterministic app icons (PNG, Pillow).

An icon is a design drawn from ``(seed, icon key)``: a background colour, a badge shape and a
few bars. A near copy (``variant > 0``, a lookalike's "copied icon") is the same design with a
slight colour shift and a one-pixel offset: perceptual hashes stay within a few bits, which is
what the counterfeit detector looks for; other designs are far apart.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from govspider.sandbox.seeded import rng_for

SIZE = 128


@functools.lru_cache(maxsize=256)
def icon_png(seed: int, key: str, variant: int = 0) -> bytes:
    """The PNG bytes of the icon ``key`` (``variant`` > 0: a near copy)."""
    r = rng_for(seed, "icon", key)
    bg = (r.randint(0, 200), r.randint(40, 200), r.randint(60, 230))
    fg = (255, 255, 255) if sum(bg) < 420 else (30, 30, 30)
    accent = (r.randint(150, 255), r.randint(0, 120), r.randint(0, 90))
    shape = r.randrange(4)
    bars = [(r.randint(10, 60), r.randint(16, 100), r.randint(8, 30)) for _ in range(r.randint(2, 4))]
    shift = 0
    if variant:
        v = rng_for(seed, "iconvariant", key, variant)
        bg = tuple(max(0, min(255, c + v.randint(-6, 6))) for c in bg)  # type: ignore[assignment]
        shift = 1
    img = Image.new("RGB", (SIZE, SIZE), bg)
    d = ImageDraw.Draw(img)
    o = shift
    if shape == 0:
        d.ellipse((24 + o, 24 + o, 104 + o, 104 + o), fill=accent)
    elif shape == 1:
        d.rounded_rectangle((20 + o, 20 + o, 108 + o, 108 + o), radius=18, fill=accent)
    elif shape == 2:
        d.polygon([(64 + o, 14), (112 + o, 100), (16 + o, 100)], fill=accent)
    else:
        d.polygon([(64 + o, 12), (116, 64 + o), (64 + o, 116), (12, 64 + o)], fill=accent)
    for y, x, h in bars:
        d.rectangle((x + o, y + 30, x + o + 12, y + 30 + h), fill=fg)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
