import uuid
import zoneinfo

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AddressPoint, Area, Jurisdiction
from .spatial import invalidate_area_index


def _bbox(obj) -> str:
    if obj.min_lat is None:
        return "—"
    return f"{obj.min_lat:.5f}, {obj.min_long:.5f} → {obj.max_lat:.5f}, {obj.max_long:.5f}"


class JurisdictionForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label=_("time zone"),
        choices=[(tz, tz) for tz in sorted(zoneinfo.available_timezones())],
        help_text=_("Dates shown to residents and SLA calendars use it."),
    )

    class Meta:
        model = Jurisdiction
        fields = ["slug", "name", "timezone", "boundary_kind", "settings"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    form = JurisdictionForm
    list_display = ["name", "slug", "timezone", "area_count", "areas_link"]
    search_fields = ["name", "slug"]
    readonly_fields = ["bounding_box", "areas_link", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "timezone"]}),
        (
            _("Boundary"),
            {
                "fields": ["boundary_kind", "bounding_box", "areas_link"],
                "description": _(
                    "Areas and the boundary are imported from GeoJSON with "
                    "`fixboard import-areas`; see docs/install.md."
                ),
            },
        ),
        (_("Settings"), {"fields": ["settings", "created_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(area_total=Count("areas"))

    def get_readonly_fields(self, request, obj=None):
        # The slug is the Open311 jurisdiction_id clients already use: fixed once created.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("areas"), ordering="area_total")
    def area_count(self, obj):
        return obj.area_total

    @admin.display(description=_("list of areas"))
    def areas_link(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:places_area_changelist") + f"?jurisdiction__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Show its areas"))

    @admin.display(description=_("bounding box (lat, long)"))
    def bounding_box(self, obj):
        return _bbox(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.areas_version = uuid.uuid4().hex
        super().save_model(request, obj, form, change)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "jurisdiction", "repaired", "active"]
    list_filter = ["jurisdiction", "kind", "repaired", "active"]
    search_fields = ["name", "code"]
    list_select_related = ["jurisdiction"]
    fields = [
        "jurisdiction",
        "kind",
        "code",
        "name",
        "active",
        "repaired",
        "bounding_box",
        "properties",
        "updated_at",
    ]
    readonly_fields = [
        "jurisdiction",
        "kind",
        "code",
        "repaired",
        "bounding_box",
        "properties",
        "updated_at",
    ]

    @admin.display(description=_("bounding box (lat, long)"))
    def bounding_box(self, obj):
        return _bbox(obj)

    def has_add_permission(self, request):
        return False  # Areas come from GeoJSON files: `fixboard import-areas`.

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their areas; deactivate an area instead.

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "active" in form.changed_data:
            # Every process's spatial index must see the area appear or disappear.
            jurisdiction = obj.jurisdiction
            jurisdiction.areas_version = uuid.uuid4().hex
            jurisdiction.save(update_fields=["areas_version"])
            transaction.on_commit(invalidate_area_index)


@admin.register(AddressPoint)
class AddressPointAdmin(admin.ModelAdmin):
    list_display = ["address", "zipcode", "lat", "long", "jurisdiction"]
    list_filter = ["jurisdiction"]
    search_fields = ["address", "zipcode"]
    list_select_related = ["jurisdiction"]
    fields = ["jurisdiction", "address", "zipcode", "lat", "long"]

    # The index learns addresses from imports and requests; here it is only looked at.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
