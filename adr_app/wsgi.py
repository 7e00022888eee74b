import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adr_app.settings")
application = get_wsgi_application()

# Everything loaded so far lives as long as the process: leave it out of the garbage
# collector's full passes, which otherwise paused one request in sixty for some 50 ms.
gc.freeze()
