"""Photos: checked, re-encoded, resized and stripped of EXIF before they are stored.

The GPS position is read from the EXIF first, so a photo can place its report.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
register_heif_opener()

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"}


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int
    lat: float | None
    long: float | None


def _dms(value) -> float:
    degrees, minutes, seconds = (float(v) for v in value)
    return degrees + minutes / 60 + seconds / 3600


def gps_of(image: Image.Image) -> tuple[float | None, float | None]:
    """Latitude and longitude from the EXIF GPS block, or (None, None)."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat = _dms(gps[ExifTags.GPS.GPSLatitude])
        long = _dms(gps[ExifTags.GPS.GPSLongitude])
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None, None
    if gps.get(ExifTags.GPS.GPSLatitudeRef, "N") == "S":
        lat = -lat
    if gps.get(ExifTags.GPS.GPSLongitudeRef, "E") == "W":
        long = -long
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None, None
    return round(lat, 7), round(long, 7)


def _open(data: bytes) -> Image.Image:
    too_big = _("This image is too large to process; send a photo under %(mp)d megapixels.") % {
        "mp": MAX_PIXELS // 1_000_000
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"media": [too_big]})
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError({"media": [too_big]}) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(
                {
                    "media": [
                        _("This file is not a photo we can read; send a JPEG, PNG or WebP image.")
                    ]
                }
            ) from exc
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError({"media": [_("Send a JPEG, PNG or WebP image.")]})
    return image


def clean_photo(data: bytes, filename: str = "photo") -> CleanPhoto:
    """Check an uploaded file and turn it into a stripped JPEG, or raise ValidationError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "media": [
                    _("This file is %(mb).0f MB; photos may be at most %(max)d MB.")
                    % {"mb": len(data) / 1e6, "max": MAX_UPLOAD_BYTES // 1_000_000}
                ]
            }
        )
    image = _open(data)
    lat, long = gps_of(image)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    # A fresh save without exif= or icc_profile= writes no metadata at all.
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    stem = (
        "".join(c for c in filename.rsplit(".", 1)[0] if c.isalnum() or c in "-_")[:40] or "photo"
    )
    return CleanPhoto(
        ContentFile(out.getvalue(), name=f"{stem}.jpg"), image.width, image.height, lat, long
    )
