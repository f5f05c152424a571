"""Console labels, Chinese first with English available. Pages call ``t(key)`` in templates."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "app_name": ("产融平台", "chanrong"),
    "tagline": ("工业互联网数据赋能金融", "Industrial-internet data for finance"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "home": ("首页", "Home"),
    "parties": ("主体", "Parties"),
    "identifiers": ("标识解析", "Identifiers"),
    "resolve": ("解析", "Resolve"),
    "identifier": ("标识", "Identifier"),
    "language": ("English", "中文"),
    "name": ("名称", "Name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "kind": ("类型", "Kind"),
    "province": ("省份", "Province"),
    "city": ("城市", "City"),
    "industry": ("行业", "Industry"),
    "size": ("规模", "Size"),
    "roles": ("角色", "Roles"),
    "search": ("搜索", "Search"),
    "all": ("全部", "All"),
    "object_type": ("对象类型", "Object type"),
    "owner": ("所有者", "Owner"),
    "fields": ("字段", "Fields"),
    "field": ("字段名", "Field"),
    "type": ("类型", "Type"),
    "value": ("值", "Value"),
    "protected": ("受保护", "Protected"),
    "public": ("公开", "Public"),
    "withheld": (
        "项受保护字段未显示（需所有者授权）",
        "protected field(s) withheld (owner's grant needed)",
    ),
    "my_party": ("我的机构", "My party"),
    "my_identifiers": ("我的标识", "My identifiers"),
    "prefixes": ("企业前缀", "Prefixes"),
    "users": ("用户", "Users"),
    "api_keys": ("API 密钥", "API keys"),
    "count": ("数量", "Count"),
    "by_kind": ("按类型", "By kind"),
    "by_province": ("按省份", "By province"),
    "registered": ("登记时间", "Registered"),
    "updated": ("更新时间", "Updated"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "total": ("共", "Total"),
    "error": ("出错了", "Something went wrong"),
    "back_home": ("返回首页", "Back to home"),
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    "welcome": ("欢迎", "Welcome"),
    "platform_overview": ("平台概览", "Platform overview"),
    "your_role": ("您的角色", "Your roles"),
    "quick_links": ("常用功能", "Quick links"),
    "resolve_hint": (
        "输入标识，如 88.1001.12/SM-0001",
        "Enter an identifier, e.g. 88.1001.12/SM-0001",
    ),
    "not_found": ("未找到", "Not found"),
    "created_at": ("创建时间", "Created"),
    "key_id": ("密钥编号", "Key id"),
    "revoked": ("已吊销", "Revoked"),
    "active": ("有效", "Active"),
    "status": ("状态", "Status"),
    "enterprise_parties": ("企业", "Enterprises"),
    "institution_parties": ("金融机构", "Institutions"),
    "identifier_count": ("已注册标识", "Registered identifiers"),
}


def translate(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang`` (zh or en); unknown keys show as themselves."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def pick(pair: tuple[str, str], lang: str) -> str:
    """Chinese or English from a reference table's (中文, English) pair."""
    return pair[1] if lang == "en" else pair[0]
