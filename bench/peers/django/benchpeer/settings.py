# The smallest Django project with anymail's SendGrid inbound webhook, for bench/peers.mjs.
# Environment: DATABASE_URL (postgres://user@host:port/name), ANYMAIL_WEBHOOK_SECRET (user:password, basic auth).
import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ['DATABASE_URL'])
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': _db.path.lstrip('/'),
        'USER': _db.username or 'postgres',
        'PASSWORD': _db.password or '',
        'HOST': _db.hostname or '127.0.0.1',
        'PORT': str(_db.port or 5432),
        'CONN_MAX_AGE': None,  # one persistent connection per worker, as a deployed app keeps
    }
}
SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'bench-only-not-a-secret')
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
INSTALLED_APPS = ['anymail', 'benchpeer']
MIDDLEWARE = []
ROOT_URLCONF = 'benchpeer.urls'
USE_TZ = True
ANYMAIL = {'WEBHOOK_SECRET': os.environ['ANYMAIL_WEBHOOK_SECRET']}
LOGGING = {'version': 1, 'disable_existing_loggers': False, 'root': {'level': 'WARNING'}}
