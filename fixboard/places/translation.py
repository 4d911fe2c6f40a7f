"""Area names in each language of settings.LANGUAGES (django-modeltranslation reads this
module): `name_en`, `name_es`…; reading `area.name` gives the active language's name, or
the default language's when that one is empty. See docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from .models import Area


@register(Area)
class AreaTranslation(TranslationOptions):
    fields = ("name",)
    # An empty name is no translation: stored as NULL, it falls back to the default language.
    empty_values = {"name": None}
    fallback_undefined = {"name": ""}
    fallback_values = {"name": ""}
