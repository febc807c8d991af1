"""Icon hashing and storage: one file per URL, a perceptual hash on the App item."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw

from govspider_plugins.appstores.icons import icon_path, phash_distance, phash_hex


def _icon(color: tuple[int, int, int], mark: bool = False, size: int = 96) -> bytes:
    """A 96x96 drawing, scaled to ``size``."""
    image = Image.new("RGB", (96, 96), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 88, 88), radius=18, fill=color)
    draw.ellipse((28, 20, 68, 60), fill=(255, 255, 255))
    draw.rectangle((30, 66, 66, 76), fill=(255, 255, 255))
    if mark:
        draw.rectangle((70, 70, 84, 84), fill=(255, 0, 0))
    out = BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG")
    return out.getvalue()


def test_copied_icon_is_near_a_different_icon_is_far() -> None:
    official = phash_hex(_icon((20, 90, 200)))
    copied = phash_hex(_icon((20, 90, 200), mark=True))
    other = Image.new("RGB", (96, 96))
    ImageDraw.Draw(other).polygon([(0, 96), (48, 0), (96, 96)], fill=(200, 40, 40))
    buf = BytesIO()
    other.save(buf, "PNG")
    different = phash_hex(buf.getvalue())
    assert official and copied and different
    assert len(official) == 16
    assert phash_distance(official, copied) <= 10 < phash_distance(official, different)


def test_resized_icon_keeps_its_hash() -> None:
    assert phash_distance(phash_hex(_icon((20, 90, 200), size=96)),
                          phash_hex(_icon((20, 90, 200), size=512))) <= 6


def test_not_an_image_has_no_hash() -> None:
    assert phash_hex(b"<html>blocked</html>") is None


def test_icon_path_is_one_file_per_url() -> None:
    a = icon_path("https://x.example/icons/itunes/1.png")
    assert a == icon_path("https://x.example/icons/itunes/1.png")
    assert a.endswith(".png") and a != icon_path("https://x.example/icons/itunes/2.png")
    assert "." not in icon_path("https://pp.myapp.com/ma_icon/0/icon_1/256")
