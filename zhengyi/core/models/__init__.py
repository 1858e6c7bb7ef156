from zhengyi.core.models.audit import AccessLog, ObjectChange
from zhengyi.core.models.base import StationScoped
from zhengyi.core.models.org import Bureau, Station
from zhengyi.core.models.tokens import ApiToken
from zhengyi.core.models.users import Role, RoleRule, User

__all__ = [
    "AccessLog",
    "ApiToken",
    "Bureau",
    "ObjectChange",
    "Role",
    "RoleRule",
    "Station",
    "StationScoped",
    "User",
]
