"""Extension objects, created here and bound to the app in the factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from inspect_app.accounts import login_counters  # noqa: F401  (registers the "database://" storage with `limits`)

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
# "basic", not "strong": a phone moving between Wi-Fi and mobile data changes its address, and "strong"
# would sign the inspector out in the middle of a sync.
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# No default limits: only the sign-in form is limited (web/login_throttle.py). The storage (Redis when REDIS_URL
# is set, else the database, so that every worker process counts the same failures) and the on/off switch come
# from the config. A moving window counts the failures of the last 15 minutes exactly, where a fixed one would
# let twice the limit through across a window's edge.
limiter = Limiter(get_remote_address, strategy="moving-window", default_limits=[], headers_enabled=False)
