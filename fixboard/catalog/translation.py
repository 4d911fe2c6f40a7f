"""What a city writes in each of its languages (django-modeltranslation reads this module).

Each field named here gets one column per language of settings.LANGUAGES (`name_en`,
`name_es`, …); reading `service_type.name` gives the active language's text, or the default
language's when that one is empty. See docs/translations.md.
"""

from modeltranslation.translator import TranslationOptions, register

from .languages import TRANSLATED
from .models import AttributeDefinition, CallTopic, CannedResponse, Department, ServiceType


def _options(model):
    fields = TRANSLATED[model.__name__]
    texts = {name: "" for name in fields if name != "values"}
    return type(
        f"{model.__name__}Translation",
        (TranslationOptions,),
        {
            "fields": fields,
            # An empty text is no translation: it is stored as NULL (so two untranslated call
            # topics do not collide on the unique name) and falls back to the default language.
            "empty_values": dict.fromkeys(texts, None),
            "fallback_undefined": texts,
            # …and with no text in any language it reads "" (not the column's DB default).
            "fallback_values": texts,
        },
    )


for _model in (ServiceType, AttributeDefinition, Department, CallTopic, CannedResponse):
    register(_model)(_options(_model))
