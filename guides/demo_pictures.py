"""Pictures for the demo site, drawn when it is loaded: nothing is downloaded, and the
project owns every pixel.

Each guide and section gets a calm, abstract illustration in its section's colours
(cards and paper for CVs, speech bubbles for interviews); each person a portrait
silhouette; the site a 1200×630 card for sharing. The same name always draws the same
picture, so a reloaded demo looks the same.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFont

#: Background, shapes and highlight for each demo section, by slug; others get the first.
PALETTES = {
    "preparing-for-a-job-interview": ("#0b4f8a", "#3d7fc1", "#f2b134"),
    "writing-your-cv": ("#1f6b5c", "#4fa08b", "#f4d58d"),
}
DEFAULT_PALETTE = ("#0b4f8a", "#3d7fc1", "#f2b134")
PORTRAIT_COLOURS = ("#c96f4a", "#5a6fb0", "#2f8f6d", "#8a5aa8")
ILLUSTRATION_SIZE = (1600, 900)
PORTRAIT_SIZE = (640, 640)
SOCIAL_CARD_SIZE = (1200, 630)


def _jpeg(picture):
    data = io.BytesIO()
    picture.save(data, "JPEG", quality=85, optimize=True, progressive=True)
    return data.getvalue()


def _mix(colour, other, amount):
    """``colour`` moved ``amount`` (0–1) of the way towards ``other``."""
    a = Image.new("RGB", (1, 1), colour).getpixel((0, 0))
    b = Image.new("RGB", (1, 1), other).getpixel((0, 0))
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))


def illustration(name, palette=DEFAULT_PALETTE, motif="paper"):
    """A 1600×900 JPEG for ``name``: soft circles, then a motif in the middle third,
    where the focal point (``ILLUSTRATION_FOCUS``) keeps it in every crop."""
    background, shape, highlight = palette
    width, height = ILLUSTRATION_SIZE
    picture = Image.new("RGB", ILLUSTRATION_SIZE, background)
    draw = ImageDraw.Draw(picture)
    chance = random.Random(name)  # noqa: S311 (a drawing, not a secret)
    for _ in range(9):
        radius = chance.randint(90, 320)
        x, y = chance.randint(0, width), chance.randint(0, height)
        tint = _mix(shape, background, chance.uniform(0.2, 0.7))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tint)
    if motif == "speech":
        _speech_bubbles(draw, highlight, chance)
    else:
        _sheets_of_paper(draw, highlight, chance)
    return _jpeg(picture)


#: Where illustrations put their motif, as Wagtail focal point (x, y, width, height).
ILLUSTRATION_FOCUS = (800, 450, 700, 520)


def _sheets_of_paper(draw, highlight, chance):
    for offset, tilt in ((-60, 0), (0, 1)):
        left, top = 560 + offset + tilt * 40, 220 + offset
        draw.rounded_rectangle((left, top, left + 420, top + 540), 24, fill="#fdfcf8")
        for line in range(7):
            y = top + 90 + line * 56
            length = chance.randint(200, 330)
            colour = highlight if line == 0 else "#c9ced6"
            draw.rounded_rectangle((left + 50, y, left + 50 + length, y + 18), 9, fill=colour)


def _speech_bubbles(draw, highlight, chance):
    bubbles = ((500, 260, 980, 540, "#fdfcf8"), (760, 470, 1180, 700, highlight))
    for left, top, right, bottom, colour in bubbles:
        draw.rounded_rectangle((left, top, right, bottom), 60, fill=colour)
        tail_x = left + 90 if colour == highlight else right - 140
        draw.polygon(
            [(tail_x, bottom - 10), (tail_x + 70, bottom - 10), (tail_x + 10, bottom + 70)],
            fill=colour,
        )
        for line in range(2):
            y = top + 80 + line * 60
            length = chance.randint(180, right - left - 140)
            draw.rounded_rectangle((left + 60, y, left + 60 + length, y + 22), 11, fill="#8a93a0")


def portrait(name):
    """A 640×640 JPEG portrait silhouette for ``name``, on a colour of its own."""
    chance = random.Random(name)  # noqa: S311 (a drawing, not a secret)
    background = chance.choice(PORTRAIT_COLOURS)
    figure = _mix(background, "#ffffff", 0.55)
    picture = Image.new("RGB", PORTRAIT_SIZE, background)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((110, 430, 530, 850), fill=figure)  # shoulders
    draw.ellipse((215, 130, 425, 370), fill=figure)  # head
    return _jpeg(picture)


#: A portrait's focal point: the face.
PORTRAIT_FOCUS = (320, 260, 260, 300)


PRODUCT_SIZE = (1200, 900)
#: A product photo's focal point: the product, in the middle.
PRODUCT_FOCUS = (600, 450, 900, 640)


def product(name):
    """A 1200×900 JPEG “product shot” for ``name``: a card on its envelope, on a table."""
    chance = random.Random(name)  # noqa: S311 (a drawing, not a secret)
    background, shape, highlight = DEFAULT_PALETTE
    picture = Image.new("RGB", PRODUCT_SIZE, "#eef1f4")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 640, 1200, 900), fill="#dde3ea")  # the table
    draw.polygon([(230, 330), (830, 250), (900, 690), (300, 770)], fill="#c7b79a")  # envelope
    draw.rounded_rectangle((380, 180, 900, 700), 18, fill="#fdfcf8", outline="#c9ced6", width=4)
    draw.rounded_rectangle((460, 270, 820, 330), 12, fill=shape)
    for line in range(4):
        y = 400 + line * 60
        length = chance.randint(220, 360)
        draw.rounded_rectangle((460, y, 460 + length, y + 20), 10, fill="#c9ced6")
    draw.ellipse((760, 560, 840, 640), fill=highlight)
    return _jpeg(picture)


def social_card(site_name, tagline):
    """The site's 1200×630 JPEG card for pages shared on social media."""
    background, shape, highlight = DEFAULT_PALETTE
    picture = Image.new("RGB", SOCIAL_CARD_SIZE, background)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((820, -160, 1380, 400), fill=_mix(shape, background, 0.3))
    draw.ellipse((940, 330, 1300, 690), fill=_mix(shape, background, 0.6))
    draw.rounded_rectangle((80, 120, 110, 510), 15, fill=highlight)
    draw.text((150, 150), site_name, font=ImageFont.load_default(size=96), fill="#ffffff")
    draw.multiline_text(
        (150, 320),
        tagline,
        font=ImageFont.load_default(size=44),
        fill=_mix("#ffffff", background, 0.15),
        spacing=18,
    )
    return _jpeg(picture)
