from django import template

register = template.Library()


@register.filter
def field_named(form, name: str):
    """The bound field `name` of a form, for names a template cannot spell (attribute[x])."""
    return form[name]
