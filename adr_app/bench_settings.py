"""The production settings plus one URL: the benchmark's floor view (`make benchmark-http`).

Only the benchmark's gunicorn uses this module; the app never routes to the floor.
"""

from .settings import *  # noqa: F403

ROOT_URLCONF = "adr_app.bench_urls"
