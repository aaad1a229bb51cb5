from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the app is here for its management commands (``seed_demo``,
    ``generate_scale_data``)."""

    name = "demo"
