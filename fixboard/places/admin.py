import math
import tempfile
import uuid
import zoneinfo
from pathlib import Path

import shapely.affinity
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from fixboard.accounts.admin_scope import ScopedAdmin
from fixboard.core.admin_writes import form_data
from fixboard.core.languages import columns

from .actions import area_fields, import_areas, read_feature_collection, save_area
from .models import AddressPoint, Area, Jurisdiction


def _outline(geom) -> str:
    """The polygon as a small inline SVG, north up, so an admin can see what was imported."""
    if geom is None or geom.is_empty:
        return "—"
    # Shrink longitudes by cos(latitude) so the shape is not stretched sideways.
    squeeze = math.cos(math.radians(geom.centroid.y))
    geom = shapely.affinity.scale(geom, xfact=squeeze, origin=(0, 0))
    min_x, min_y, max_x, max_y = geom.bounds
    size = max(max_x - min_x, max_y - min_y) or 1e-6
    pad = size * 0.03
    path = geom.svg(scale_factor=size / 150, fill_color="#79aec8")
    return format_html(
        '<svg role="img" aria-label="{}" width="240" height="240" viewBox="{} {} {} {}">'
        '<g transform="matrix(1,0,0,-1,0,{})">{}</g></svg>',
        _("outline"),
        min_x - pad,
        min_y - pad,
        max_x - min_x + 2 * pad,
        max_y - min_y + 2 * pad,
        max_y + min_y,
        mark_safe(path),  # shapely's SVG: numbers and fixed attributes only
    )


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
        help_texts = {
            "slug": _(
                "The Open311 jurisdiction_id and the start of the city's web addresses: "
                "lower-case letters, digits and hyphens, e.g. los-angeles. Fixed once created."
            )
        }

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slugify(slug) != slug:
            raise forms.ValidationError(
                _("Use lower-case letters, digits and hyphens, e.g. %(s)s.") % {"s": slugify(slug)}
            )
        return slug


class ImportAreasForm(forms.Form):
    """The admin's door to the same import as `fixboard import-areas`."""

    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("A FeatureCollection of polygons in longitude/latitude (WGS84)."),
    )
    kind = forms.SlugField(
        label=_("kind of area"),
        help_text=_("Lower-case with hyphens, e.g. ward, council-district, neighborhood."),
    )
    name_property = forms.CharField(
        label=_("name property"), help_text=_("The feature property holding each area's name.")
    )
    code_property = forms.CharField(
        label=_("code property"),
        required=False,
        help_text=_(
            "The property holding a stable code (district number, id). Empty: the name. "
            "Importing again updates the areas with the same codes."
        ),
    )
    boundary = forms.BooleanField(
        label=_("make their union the jurisdiction's boundary"),
        required=False,
        help_text=_("The first kind imported becomes the boundary anyway."),
    )

    def show_errors(self, exc: ValidationError) -> None:
        fields = {"kind", "name_property", "code_property"}
        for field, problems in exc.message_dict.items():
            for problem in problems:
                self.add_error(field if field in fields else "file", problem)


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedAdmin, admin.ModelAdmin):
    form = JurisdictionForm
    scope_paths = ("pk",)
    list_display = ["name", "slug", "timezone", "area_count", "areas_link"]
    search_fields = ["name", "slug"]
    readonly_fields = ["bounding_box", "boundary_outline", "areas_link", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "timezone"]}),
        (
            _("Boundary"),
            {
                "fields": ["boundary_kind", "bounding_box", "boundary_outline", "areas_link"],
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

    def has_add_permission(self, request):
        # A new jurisdiction is in nobody's scope yet: only a superuser can then reach it.
        return request.user.is_superuser and super().has_add_permission(request)

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
        upload = reverse("admin:places_jurisdiction_import_areas", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            _("Show its areas"),
            upload,
            _("Import areas from GeoJSON"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_areas_view)
        return [
            path("<int:pk>/import-areas/", view, name="places_jurisdiction_import_areas"),
            *super().get_urls(),
        ]

    def import_areas_view(self, request, pk):
        jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
        if not self.has_change_permission(request, jurisdiction):
            raise PermissionDenied
        form = ImportAreasForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._import(request, jurisdiction, form.cleaned_data)
            except ValidationError as exc:
                form.show_errors(exc)
            else:
                url = reverse("admin:places_area_changelist")
                return redirect(
                    f"{url}?jurisdiction__id__exact={pk}&kind={form.cleaned_data['kind']}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": jurisdiction,
            "title": _("Import areas into %(j)s") % {"j": jurisdiction},
            "form": form,
        }
        return TemplateResponse(request, "admin/places/jurisdiction/import_areas.html", context)

    def _import(self, request, jurisdiction: Jurisdiction, data: dict) -> None:
        with tempfile.TemporaryDirectory() as folder:
            upload = Path(folder) / Path(data["file"].name).name
            with upload.open("wb") as copy:
                for chunk in data["file"].chunks():
                    copy.write(chunk)
            features = read_feature_collection(upload)
        result = import_areas(
            jurisdiction=jurisdiction,
            features=features,
            kind=data["kind"],
            name_property=data["name_property"],
            code_property=data["code_property"] or None,
            as_boundary=data["boundary"],
        )
        messages.success(
            request,
            _("%(c)d areas created, %(u)d updated.") % {"c": result.created, "u": result.updated}
            + (" " + _("The boundary is now their union.") if result.boundary_set else ""),
        )
        for name in result.repaired:
            messages.warning(
                request, _("The polygon of %(n)s was invalid and was repaired.") % {"n": name}
            )

    @admin.display(description=_("bounding box (lat, long)"))
    def bounding_box(self, obj):
        return _bbox(obj)

    @admin.display(description=_("boundary"))
    def boundary_outline(self, obj):
        return _outline(obj.boundary)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.areas_version = uuid.uuid4().hex
        super().save_model(request, obj, form, change)


@admin.register(Area)
class AreaAdmin(ScopedAdmin, TranslationAdmin):
    list_display = ["name", "kind", "code", "jurisdiction", "repaired", "active"]
    list_filter = ["jurisdiction", "kind", "repaired", "active"]
    search_fields = [*columns("name"), "code"]  # whichever language the admin types in
    list_select_related = ["jurisdiction"]
    fields = [
        "jurisdiction",
        "kind",
        "code",
        tuple(columns("name")),  # the name in each language, on one line
        "active",
        "repaired",
        "bounding_box",
        "outline",
        "properties",
        "updated_at",
    ]
    readonly_fields = [
        "jurisdiction",
        "kind",
        "code",
        "repaired",
        "bounding_box",
        "outline",
        "properties",
        "updated_at",
    ]

    @admin.display(description=_("bounding box (lat, long)"))
    def bounding_box(self, obj):
        return _bbox(obj)

    @admin.display(description=_("outline"))
    def outline(self, obj):
        return _outline(obj.geometry)

    def has_add_permission(self, request):
        return False  # Areas come from GeoJSON files: `fixboard import-areas`.

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their areas; deactivate an area instead.

    def save_model(self, request, obj, form, change):
        save_area(actor=request.user, area=obj, data=form_data(form, area_fields()))


@admin.register(AddressPoint)
class AddressPointAdmin(ScopedAdmin, admin.ModelAdmin):
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
