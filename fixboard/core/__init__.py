"""Small helpers shared by every layer (no models, no imports from the apps)."""
