"""Demo and scale data: the believable Baotou of ``seed_demo`` and the region-scale data of
``generate_scale_data``, drawn from the same tables of people, kinds of provider and
lifecycle (``demo.histories`` walks ``registry.lifecycle.TRANSITIONS``).

Nothing in the register imports this app: it depends on every other app and comes last
in ``INSTALLED_APPS``.
"""
