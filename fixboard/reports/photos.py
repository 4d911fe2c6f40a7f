"""Photos: checked against one set of limits, re-encoded, resized and stored with no metadata.

Every door (web form, Open311, REST, updates) goes through `check_uploads` before reading
the files and `clean_photos` before storing them. Limits are read from the headers first, so
a photo too big to decode is refused before any decoding starts. The GPS position is read
from the EXIF first, so a photo can place its report; nothing else of the file is kept.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

MAX_SIDE = 2048
register_heif_opener()

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"}
MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one submission may carry, in photos, bytes and pixels (settings PHOTO_MAX_*)."""

    count: int
    bytes_each: int
    bytes_total: int
    pixels_each: int
    pixels_total: int


def limits() -> Limits:
    return Limits(
        count=settings.PHOTO_MAX_COUNT,
        bytes_each=settings.PHOTO_MAX_BYTES,
        bytes_total=settings.PHOTO_MAX_TOTAL_BYTES,
        pixels_each=settings.PHOTO_MAX_PIXELS,
        pixels_total=settings.PHOTO_MAX_TOTAL_PIXELS,
    )


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int
    lat: float | None
    long: float | None


def _millions(n: int) -> str:
    return f"{n / MB:.3g}"


def _refuse(*messages: str) -> ValidationError:
    return ValidationError({"media": list(messages)})


def check_uploads(files: list[tuple[str, int]]) -> None:
    """Refuse too many files or too many bytes, given (name, size) of each, before reading."""
    limit = limits()
    if len(files) > limit.count:
        raise _refuse(
            _("You sent %(n)d photos; send at most %(max)d.")
            % {"n": len(files), "max": limit.count}
        )
    too_big = [
        _("%(name)s is %(mb).1f MB; each photo may be at most %(max)s MB.")
        % {"name": name, "mb": size / MB, "max": _millions(limit.bytes_each)}
        for name, size in files
        if size > limit.bytes_each
    ]
    if too_big:
        raise _refuse(*too_big)
    total = sum(size for _name, size in files)
    if total > limit.bytes_total:
        raise _refuse(
            _("These photos are %(mb).1f MB together; send at most %(max)s MB in all.")
            % {"mb": total / MB, "max": _millions(limit.bytes_total)}
        )


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


def _too_many_pixels(name: str) -> ValidationError:
    return _refuse(
        _("%(name)s has more than %(max)s megapixels; send a smaller photo.")
        % {"name": name, "max": _millions(limits().pixels_each)}
    )


def _unreadable(name: str) -> ValidationError:
    return _refuse(
        _("%(name)s is not a photo we can read; send a JPEG, PNG or WebP image.") % {"name": name}
    )


def open_header(data: bytes, name: str) -> Image.Image:
    """The image with only its header read (format, size, EXIF): nothing decoded yet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(name) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _unreadable(name) from exc
    if image.format not in ALLOWED_FORMATS:
        raise _refuse(_("%(name)s: send a JPEG, PNG or WebP image.") % {"name": name})
    if image.width * image.height > limits().pixels_each:
        raise _too_many_pixels(name)
    return image


def _decode(image: Image.Image, name: str) -> Image.Image:
    # A JPEG decodes straight at the size it will be stored at, for a fraction of the work.
    image.draft(None, (MAX_SIDE, MAX_SIDE))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(name) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise _unreadable(name) from exc
    return image


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    background = Image.new("RGB", image.size, "white")
    rgba = image.convert("RGBA")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _stripped_jpeg(image: Image.Image) -> bytes:
    """The pixels alone as a JPEG: no EXIF, XMP, ICC profile, comment or text of the upload."""
    bare = Image.new(image.mode, image.size)
    bare.paste(image)  # a new image carries no `info`, which JPEG saving would copy (COM)
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _clean(image: Image.Image, name: str) -> CleanPhoto:
    lat, long = gps_of(image)
    image = _decode(image, name)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image = _flatten(image)
    # The stored name is chosen by Photo.image's upload_to: random, never the upload's.
    return CleanPhoto(
        ContentFile(_stripped_jpeg(image), name="photo.jpg"), image.width, image.height, lat, long
    )


def _each(function, items) -> list:
    """`function` of every item, or one ValidationError with every item's problems."""
    done, errors = [], []
    for item in items:
        try:
            done.append(function(*item))
        except ValidationError as exc:
            errors.extend(exc.message_dict["media"])
    if errors:
        raise _refuse(*errors)
    return done


def check_photos(photos: list[tuple[bytes, str]]) -> list[tuple[Image.Image, str]]:
    """Check uploaded files against every limit without decoding any: (header, name) each.

    Raises ValidationError on `media` listing each problem.
    """
    check_uploads([(name, len(data)) for data, name in photos])
    headers = _each(lambda data, name: (open_header(data, name), name), photos)
    limit = limits()
    pixels = sum(image.width * image.height for image, _name in headers)
    if pixels > limit.pixels_total:
        raise _refuse(
            _(
                "These photos are %(mp)s megapixels together; send at most %(max)s "
                "megapixels in all (fewer or smaller photos)."
            )
            % {"mp": _millions(pixels), "max": _millions(limit.pixels_total)}
        )
    return headers


def clean_photos(photos: list[tuple[bytes, str]]) -> list[CleanPhoto]:
    """Check uploaded files (`check_photos`), then turn each into a stripped JPEG."""
    return _each(_clean, check_photos(photos))
