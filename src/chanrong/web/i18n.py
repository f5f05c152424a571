"""Console labels, Chinese first with English available. Pages call ``t(key)`` in templates."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # shell
    "app_name": ("产融平台", "chanrong"),
    "tagline": ("工业互联网数据赋能金融", "Industrial-internet data for finance"),
    "main_nav": ("主导航", "Main navigation"),
    "language": ("English", "中文"),
    "home": ("首页", "Home"),
    "parties": ("主体", "Parties"),
    "identifiers": ("标识解析", "Identifiers"),
    "comma": ("，", ", "),
    # login
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "login_intro": (
        "使用平台分配的账号登录控制台。",
        "Log in to the console with the account the platform gave you.",
    ),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    # home
    "welcome": ("欢迎", "Welcome"),
    "my_party": ("我的机构", "My party"),
    "your_party": ("本机构", "Your party"),
    "your_role": ("您的角色", "Your roles"),
    "platform_overview": ("平台概览", "Platform overview"),
    "enterprise_overview": ("企业概览", "Enterprise overview"),
    "party_total": ("主体总数", "Parties"),
    "enterprise_parties": ("企业", "Enterprises"),
    "institution_parties": ("金融机构", "Institutions"),
    "identifier_count": ("已注册标识", "Registered identifiers"),
    "provinces_covered": ("覆盖省份", "Provinces covered"),
    "industries_covered": ("覆盖行业", "Industries covered"),
    "object_types_used": ("对象类型", "Object types"),
    "parties_by_province": ("各省主体数量", "Parties by province"),
    "enterprises_by_province": ("各省企业数量", "Enterprises by province"),
    "enterprises_by_industry": ("企业行业分布", "Enterprises by industry"),
    "identifiers_by_type": ("标识按对象类型", "Identifiers by object type"),
    "by_kind": ("按类型", "By kind"),
    "by_province": ("按省份", "By province"),
    "chart_click_hint": (
        "点击柱形查看该省主体列表。",
        "Click a bar to list that province's parties.",
    ),
    "share": ("占比", "Share"),
    "quick_links": ("常用功能", "Quick links"),
    "browse_enterprises": ("浏览企业名录", "Browse enterprises"),
    "core_enterprises": ("核心企业", "Core enterprises"),
    "resolve_identifier": ("解析标识", "Resolve an identifier"),
    "view_all": ("查看全部", "View all"),
    "no_data": ("暂无数据", "No data yet"),
    "no_identifiers_yet": ("尚未注册标识", "No identifiers registered yet"),
    "no_prefixes": ("尚未分配企业前缀", "No prefix assigned yet"),
    # parties
    "parties_intro": (
        "平台登记的企业、金融机构和运营方。",
        "Enterprises, financial institutions and the operator registered on the platform.",
    ),
    "registry_info": ("登记信息", "Registry information"),
    "name": ("名称", "Name"),
    "display_name": ("姓名", "Name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "kind": ("类型", "Kind"),
    "province": ("省份", "Province"),
    "city": ("城市", "City"),
    "industry": ("行业", "Industry"),
    "size": ("规模", "Size"),
    "license_code": ("金融许可证编码", "Financial licence code"),
    "roles": ("角色", "Roles"),
    "search": ("搜索", "Search"),
    "all": ("全部", "All"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "total": ("共", "Total"),
    "total_found": ("共 {n} 个主体", "{n} parties found"),
    "no_match": ("没有符合条件的主体", "No party matches these filters"),
    "users": ("用户", "Users"),
    "api_keys": ("API 密钥", "API keys"),
    "no_api_keys": ("尚未签发 API 密钥", "No API keys issued yet"),
    "key_id": ("密钥编号", "Key id"),
    "created_at": ("创建时间", "Created"),
    "registered": ("登记于", "Registered"),
    "updated": ("更新时间", "Updated"),
    "status": ("状态", "Status"),
    "active": ("有效", "Active"),
    "inactive": ("已停用", "Inactive"),
    "revoked": ("已吊销", "Revoked"),
    "count": ("数量", "Count"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    # identifiers
    "resolver_intro": (
        "输入工业互联网标识查看其数据记录；受保护字段仅对所有者显示。",
        "Enter an industrial-internet identifier to see its record; protected fields show "
        "to the owner only.",
    ),
    "identifier": ("标识", "Identifier"),
    "resolve": ("解析", "Resolve"),
    "resolve_hint": (
        "输入标识，如 88.1001.12/SM-0001",
        "Enter an identifier, e.g. 88.1001.12/SM-0001",
    ),
    "my_identifiers": ("我的标识", "My identifiers"),
    "prefixes": ("企业前缀", "Prefixes"),
    "object_type": ("对象类型", "Object type"),
    "owner": ("所有者", "Owner"),
    "fields": ("字段", "Fields"),
    "field": ("字段名", "Field"),
    "type": ("类型", "Type"),
    "value": ("值", "Value"),
    "visibility": ("可见性", "Visibility"),
    "protected": ("受保护", "Protected"),
    "public": ("公开", "Public"),
    "no_fields": ("没有可显示的字段", "No fields to show"),
    "withheld": (
        "项受保护字段未显示（需所有者授权）",
        "protected field(s) withheld (owner's grant needed)",
    ),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "ftype_string": ("文本", "text"),
    "ftype_integer": ("整数", "integer"),
    "ftype_decimal": ("小数", "decimal"),
    "ftype_money_fen": ("金额", "amount"),
    "ftype_date": ("日期", "date"),
    "ftype_datetime": ("日期时间", "date-time"),
    "ftype_boolean": ("是/否", "yes/no"),
    "ftype_identifier": ("标识", "identifier"),
    "not_found": ("未找到", "Not found"),
    # errors
    "error": ("出错了", "Something went wrong"),
    "error_400": ("请求有误", "Bad request"),
    "error_403": ("无权访问", "Not allowed"),
    "error_404": ("未找到", "Not found"),
    "error_405": ("不支持的操作", "Method not allowed"),
    "error_409": ("与现有数据冲突", "Conflict with existing data"),
    "error_422": ("输入有误", "Invalid input"),
    "error_500": ("服务器出错", "Server error"),
    "back_home": ("返回首页", "Back to home"),
}


def translate(key: str, lang: str, default: str | None = None) -> str:
    """The label for ``key`` in ``lang`` (zh or en); unknown keys show ``default`` or themselves."""
    pair = LABELS.get(key)
    if pair is None:
        return key if default is None else default
    return pair[1] if lang == "en" else pair[0]


def pick(pair: tuple[str, str] | tuple[str, str, int, int], lang: str) -> str:
    """Chinese or English from a reference table's (中文, English, ...) entry."""
    return pair[1] if lang == "en" else pair[0]
