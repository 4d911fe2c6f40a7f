"""The demo city: Los Angeles with its real areas, departments, services and 2020 requests."""
