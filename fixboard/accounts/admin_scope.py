"""The admin side of `scope`: every ModelAdmin shows a non-superuser only their
jurisdictions' rows, offers only those in its forms, and refuses the others by URL."""

from . import scope


class ScopedAdmin:
    """A ModelAdmin mixin; `scope_paths` lead from the model to a Jurisdiction (any of them
    may match). Without paths the rows are for superusers only."""

    scope_paths: tuple[str, ...] = ("jurisdiction",)

    def get_queryset(self, request):
        return scope.scoped_any(super().get_queryset(request), request.user, *self.scope_paths)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope.choices(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope.choices(field.queryset, request.user)
        return field

    def in_scope(self, request, obj) -> bool:
        if obj is None or obj.pk is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)
