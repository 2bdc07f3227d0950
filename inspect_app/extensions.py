"""Extension objects, created here and bound to the app in the factory."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
# "basic", not "strong": a phone moving between Wi-Fi and mobile data changes its address, and "strong"
# would sign the inspector out in the middle of a sync.
login_manager.session_protection = "basic"

csrf = CSRFProtect()
