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
    "ledger": ("账本", "Ledger"),
    "consent": ("数据授权", "Consent"),
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
        "输入工业互联网标识查看其数据记录；受保护字段仅对所有者及持有其授权的机构显示。",
        "Enter an industrial-internet identifier to see its record; protected fields show "
        "to the owner and to parties holding its grant only.",
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
    "purpose_none": ("不指定（仅公开字段）", "None (public fields only)"),
    "purpose_select_hint": (
        "持有所有者授权的机构选择授权用途后可查看受保护字段，每次查阅都记入账本。",
        "With the owner's grant, choose its purpose to see protected fields; every such read is "
        "recorded in the ledger.",
    ),
    "access_audited": (
        "您依据授权 #{grant} 查看了受保护字段，此次查阅已记入账本。",
        "You saw the protected fields under grant #{grant}; this read is recorded in the ledger.",
    ),
    "view_ledger_entry": ("查看账本条目 #{n}", "View ledger entry #{n}"),
    "no_grant_hint": (
        "如需查看受保护字段，请联系数据所有方在“数据授权”中为此用途向贵机构授权。",
        "To see protected fields, ask the owner to give your party a grant for this purpose "
        "(Consent).",
    ),
    "derived_only_refused": (
        "您收到的授权仅允许派生指标，不能查看原始字段。",
        "Your grant allows derived indicators only, not the raw fields.",
    ),
    # ledger
    "ledger_intro": (
        "平台上涉及金融的每一项事件都写入只追加的默克尔树日志（RFC 9162），并由平台以 Ed25519 "
        "签名。任何人都可凭导出文件和公钥离线核验，无需信任平台。",
        "Every financially relevant event on the platform is appended to a Merkle-tree log "
        "(RFC 9162) that the platform signs with Ed25519. Anyone can verify it offline from an "
        "export and the public key, without trusting the platform.",
    ),
    "signed_tree_head": ("最新签名树头", "Latest signed tree head"),
    "tree_size": ("条目数", "Tree size"),
    "head_time": ("签名时间", "Signed at"),
    "root_hash_hex": ("根哈希（十六进制）", "Root hash (hex)"),
    "root_hash_b64": ("根哈希（Base64）", "Root hash (base64)"),
    "head_signature": ("树头签名", "Tree head signature"),
    "checkpoint": ("检查点（C2SP 签名笔记）", "Checkpoint (C2SP signed note)"),
    "public_key": ("平台公钥", "Platform public key"),
    "public_key_pem": ("公钥（PEM）", "Public key (PEM)"),
    "verifier_key": ("验证者密钥（签名笔记）", "Verifier key (signed note)"),
    "verify_offline": ("离线核验", "Verify offline"),
    "verify_offline_intro": (
        "在平台服务器上导出日志，把导出目录连同上面的公钥交给任何人；核验既不需要数据库，"
        "也不需要信任平台：",
        "Export the log on the platform server and hand the directory, with the public key "
        "above, to anyone; verifying needs no database and no trust in the platform:",
    ),
    "verify_offline_detail": (
        "核验程序检查树头签名与检查点，重新计算每个条目的叶哈希并验证每个包含证明，"
        "逐条列出任何不一致。",
        "The verifier checks the head's signature and the checkpoint, recomputes every entry's "
        "leaf hash, checks every inclusion proof, and names every mismatch.",
    ),
    "json_api": ("JSON 接口", "JSON API"),
    "recent_entries": ("最近条目", "Recent entries"),
    "entries_total": ("共 {n} 条", "{n} entries"),
    "seq": ("序号", "Seq"),
    "time": ("时间", "Time"),
    "event": ("事件", "Event"),
    "subject": ("对象", "Subject"),
    "actor": ("操作方", "Actor"),
    "system_actor": ("系统（命令行）", "System (command line)"),
    "all_events": ("全部事件", "All events"),
    "filter": ("筛选", "Filter"),
    "no_entries": ("暂无条目", "No entries yet"),
    "event_party_registered": ("主体登记", "Party registered"),
    "event_party_updated": ("主体变更", "Party updated"),
    "event_user_created": ("用户创建", "User created"),
    "event_api_key_issued": ("API 密钥签发", "API key issued"),
    "event_api_key_revoked": ("API 密钥吊销", "API key revoked"),
    "event_prefix_registered": ("企业前缀登记", "Prefix registered"),
    "event_identifier_registered": ("标识注册", "Identifier registered"),
    "event_identifier_updated": ("标识更新", "Identifier updated"),
    "event_grant_given": ("授予数据授权", "Grant given"),
    "event_grant_revoked": ("撤销数据授权", "Grant revoked"),
    "event_data_accessed": ("数据被查阅", "Data accessed"),
    "event_sealing_key_registered": ("封装公钥登记", "Sealing key registered"),
    "event_package_sealed": ("数据包封装", "Package sealed"),
    "entry_no": ("条目 #{n}", "Entry #{n}"),
    "entry_facts": ("条目信息", "Entry"),
    "verification": ("验证", "Verification"),
    "verified": ("已验证 ✓", "Verified ✓"),
    "not_verified": ("验证失败 ✗", "Not verified ✗"),
    "verified_detail": (
        "服务器已核对：树头签名有效；条目内容的哈希等于叶哈希；包含证明推导出的根哈希与签名"
        "树头中的一致。",
        "Checked by the server: the tree head's signature is valid, the entry hashes to its leaf "
        "hash, and the inclusion proof leads to the signed root hash.",
    ),
    "not_verified_detail": ("服务器核对未通过：", "The server's check failed: "),
    "browser_check": ("浏览器核验", "Browser check"),
    "browser_checking": ("浏览器正在独立核验……", "Your browser is checking on its own…"),
    "browser_ok": (
        "您的浏览器也独立重新计算了叶哈希并验证了包含证明：一致 ✓。树头签名请用公钥离线核验。",
        "Your browser also recomputed the leaf hash and checked the inclusion proof on its own: "
        "they match ✓. Check the head's signature offline with the public key.",
    ),
    "browser_fail": ("您的浏览器独立核验未通过 ✗", "Your browser's own check failed ✗"),
    "browser_unavailable": (
        "此连接下浏览器无法核验（Web Crypto 需要 HTTPS 或本机访问）。",
        "Your browser cannot check over this connection (Web Crypto needs HTTPS or localhost).",
    ),
    "canonical_json": ("规范化 JSON（RFC 8785）", "Canonical JSON (RFC 8785)"),
    "formatted": ("格式化显示", "Formatted"),
    "leaf_hash": ("叶哈希", "Leaf hash"),
    "leaf_hash_formula": ("SHA-256(0x00 ‖ 规范化 JSON)", "SHA-256(0x00 ‖ canonical JSON)"),
    "inclusion_proof": ("包含证明", "Inclusion proof"),
    "inclusion_proof_intro": (
        "自叶向根依次与下列哈希合并（RFC 9162 §2.1.3），应得到签名树头中的根哈希。",
        "Combining the leaf with these hashes, from the leaf up (RFC 9162 §2.1.3), must give "
        "the signed root hash.",
    ),
    "proof_step": ("步骤", "Step"),
    "hash_hex": ("哈希（十六进制）", "Hash (hex)"),
    "proof_empty": (
        "日志中只有这一个条目：叶哈希即根哈希。",
        "The log holds this entry only: its leaf hash is the root.",
    ),
    "against_head": ("依据的签名树头", "Against the signed tree head"),
    "confidential_payload": (
        "此条目的载荷为机密数据，日志只记录加盐摘要（payload_digest）；删除盐值即可销毁数据，"
        "而所有证明仍然有效。",
        "This entry's payload is confidential: the log keeps only a salted digest "
        "(payload_digest); deleting the salt erases the data while every proof stays valid.",
    ),
    # consent
    "consent_intro": (
        "贵机构的数据只有在您授权后才能被其他主体读取；每一次读取都记入账本，授权可随时撤销。",
        "Other parties read your data only under a grant you give; every read is recorded in "
        "the ledger, and you can revoke a grant at any time.",
    ),
    "give_grant": ("授予数据授权", "Give a grant"),
    "recipient": ("被授权方", "Recipient"),
    "choose_recipient": ("请选择机构", "Choose a party"),
    "scope": ("数据范围", "Scope"),
    "purpose": ("用途", "Purpose"),
    "expires_on": ("有效期至", "Valid until"),
    "expires_on_hint": ("当日 23:59（北京时间）到期", "Ends at 23:59 Beijing time that day"),
    "objects": ("限定对象", "Objects"),
    "objects_hint": (
        "可选：每行一个标识，如 88.1001.12/SM-0001；留空表示该范围内的全部数据。",
        "Optional: one identifier per line, e.g. 88.1001.12/SM-0001; empty means all data of "
        "the scope.",
    ),
    "derived_only": ("仅派生指标", "Derived indicators only"),
    "derived_only_hint": (
        "对方只能获得在您范围内计算出的指标，不能读取原始数据。",
        "The recipient gets only indicators computed inside your scope, never the raw data.",
    ),
    "give": ("授权", "Give grant"),
    "grants_given": ("我给出的授权", "Grants I gave"),
    "grants_received": ("我收到的授权", "Grants I received"),
    "grant_id": ("编号", "No."),
    "owner_party": ("数据所有方", "Owner"),
    "whole_scope": ("该范围全部数据", "Whole scope"),
    "expires": ("到期时间", "Expires"),
    "grant_live": ("有效", "Active"),
    "grant_revoked": ("已撤销", "Revoked"),
    "grant_expired": ("已过期", "Expired"),
    "revoke": ("撤销", "Revoke"),
    "revoke_confirm": (
        "撤销后对方将立即无法再读取这些数据。确定撤销该授权吗？",
        "The recipient loses access at once. Revoke this grant?",
    ),
    "no_grants_given": ("尚未给出任何授权", "No grants given yet"),
    "no_grants_received": ("尚未收到任何授权", "No grants received yet"),
    "grant_given_notice": (
        "授权 #{grant} 已生效，并已记入账本条目 #{n}。",
        "Grant #{grant} is in force and recorded in ledger entry #{n}.",
    ),
    "grant_revoked_notice": (
        "授权 #{grant} 已撤销，对方即刻起无法再读取。",
        "Grant #{grant} is revoked: the recipient can no longer read under it.",
    ),
    "viewer_cannot_grant": (
        "您的角色为只读，不能授予或撤销授权。",
        "Your role is read-only: you cannot give or revoke grants.",
    ),
    "access_history": ("我的数据被查阅记录", "Access history of my data"),
    "access_history_intro": (
        "谁在何时、为何用途、依据哪项授权读取了贵机构的数据；每次读取对应一个账本条目。",
        "Who read your data, when, for which purpose and under which grant; each read is a "
        "ledger entry.",
    ),
    "my_reads": ("我查阅他人数据的记录", "My reads of others' data"),
    "reader": ("查阅方", "Reader"),
    "access_kind": ("方式", "Kind"),
    "kind_raw": ("原始数据", "Raw data"),
    "kind_derived": ("派生指标", "Derived indicator"),
    "grant": ("授权", "Grant"),
    "ledger_entry": ("账本条目", "Ledger entry"),
    "no_accesses": ("暂无查阅记录", "No reads yet"),
    "accesses_per_day": ("近 30 天每日被查阅次数", "Reads of my data per day, last 30 days"),
    "live_grants_given": ("给出的有效授权", "Active grants given"),
    "live_grants_received": ("收到的有效授权", "Active grants received"),
    "reads_30d": ("近 30 天被查阅", "Reads in the last 30 days"),
    "showing_latest": ("仅显示最近 {n} 条", "Showing the latest {n}"),
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
