"""Link-farm spam in the shapes found injected into Chinese pages, written for these tests.

Every sample is made up (names, addresses and numbers are invented, no real site's text); each
tries one way past a plain matcher: a link split by invisible characters or written with 。, 点 or
"dot" for the dots, a non-ASCII or unusual top-level domain, styled or look-alike letters, a
spaced or spelled-out QQ number, sensitive words split by separators, and lists of titles with no
link at all. Each names the hold reason it must at least get.
"""

ZWSP, ZWJ, WJ, BOM, SHY, FILLER, RLM = "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164", "\u200f"

# (reason, title, description)
SPAM: list[tuple[str, str, str]] = [
    # Links hidden from a plain matcher
    ("link", "便民信息", f"疏通下水道 快来看 tong{ZWSP}dao{ZWSP}.{ZWSP}com 价格便宜"),
    ("link", "优惠", f"点开 w{ZWJ}w{ZWJ}w{ZWJ}.haoyun{WJ}88{WJ}.net 领取新人礼包"),
    ("link", "福利", f"最新地址 xing{BOM}yun{SHY}66.cc 收藏不迷路"),
    ("link", "看这里", f"永久地址 kuai{FILLER}le{FILLER}9。vip 每天更新"),
    ("link", "新地址", "请记住新地址 kuaile88。com 旧地址已停用"),
    ("link", "备用网址", "备用网址 haoyun-jia。net 。 永不失联"),
    ("link", "好消息", "访问 好运来.中国 注册就送大礼"),
    ("link", "好消息", "新网址：开心娱乐。中国 马上体验"),
    ("link", "通知", "官方网站 欢乐城.公司 诚信经营"),
    ("link", "通知", "中文域名 福利站.com 手机也能打开"),
    ("link", "新站", "国际站 xn--6qq986b3xl.xn--fiqs8s 全新上线"),
    ("link", "直播", "高清直播 meinv-zhibo.tv 在线观看"),
    ("link", "影院", "午夜影院 yewan.xxx 每日更新"),
    ("link", "直播间", "主播在线 redroom.live 进来聊聊"),
    ("link", "网站", "找好货上 haohuo.shop 或者 haohuo.store"),
    ("link", "推荐", "好站推荐 xiaoyu点com 手机直接打开"),
    ("link", "推荐", "永久域名 dayu點com 请收藏"),
    ("link", "推荐", "记住 lucky dot com 每天签到领积分"),
    ("link", "推荐", "新地址 jiayou(.)net 老用户直接登录"),
    ("link", "推荐", "地址 haoyun[点]cc 复制到浏览器"),
    ("link", "推荐", "网址 haoyun丶tv 复制打开"),
    ("link", "网站", "ｗｗｗ．ｋｕａｉｌｅ．ｃｏｍ 全场包邮"),
    ("link", "网站", "ⓦⓦⓦ.ⓗⓐⓞⓨⓤⓝ.ⓒⓞⓜ 点击进入"),
    ("link", "网站", "𝐰𝐰𝐰.𝐱𝐢𝐧𝐠𝐲𝐮𝐧.𝐜𝐨𝐦 立即注册"),
    ("link", "网站", "访问 хаоyun.соm 注册有礼"),  # Cyrillic х, о, с
    ("link", "网站", "h t t p s : / / k u a i l e . t o p 点开即玩"),
    ("link", "网站", "w w w . h a o y u n 8 . c o m 新人注册"),
    ("link", "网址", "8 8 8 8 . c o m 老牌平台"),
    ("link", "网站", "w̲w̲w̲.̲h̲a̲o̲.̲c̲o̲m̲ 进来看看"),
    # Contacts hidden from a plain matcher
    ("contact", "交友", "寂寞了吗 加 Q Q 1 2 3 4 5 6 7 8 聊聊"),
    ("contact", "兼职", "在家兼职 扣扣 一二三四五六七八 详谈"),
    ("contact", "服务", f"上门服务 电话 1{ZWSP}3{ZWSP}9 1{ZWSP}2{ZWSP}3{ZWSP}4 5678"),
    ("contact", "服务", "有需要的 微 信 号 haoyun888 备注来意"),
    ("contact", "服务", "联系 ＱＱ：８７６５４３２１ 全天在线"),
    ("contact", "服务", "电话 幺三九 幺二三四 五六七八 随叫随到"),
    # Sensitive words
    ("lexicon", "网上娱乐", "正规网赌平台 注册即送 提现秒到"),
    ("lexicon", "娱乐", "网 赌 平 台 新 开 业"),
    ("lexicon", "娱乐", "网|赌|平|台|在|线"),
    ("lexicon", "娱乐", f"真{ZWSP}人{ZWSP}视{ZWSP}讯 百{ZWSP}家{ZWSP}乐"),
    ("lexicon", "娱乐", "澳門賭場 真人視訊 24小时在线"),
    ("lexicon", "福利", "成 人 视 频 免 费 看"),
    ("lexicon", "福利", "最新 自拍偷拍 合集"),
    ("lexicon", "兼职", "招聘兼职刷单 日结 在家就能做"),
    ("lexicon", "贷款", "黑户贷款 无视征信 当天放款"),
    ("lexicon", "办理", "代开发票 各种行业 真实有效"),
    ("lexicon", "办理", "专业办假证 刻章办证 加急"),
    ("lexicon", "服务", "同城约炮 真实可靠"),
    ("lexicon", "健康", "出售迷药 听话水 货到付款"),
    ("lexicon", "投资", "稳赚不赔 高额返利 名额有限"),
    ("lexicon", "体育", "足球投注 首存送 百分百"),
    # Link farms: lists of titles, no link at all
    (
        "list",
        "最新",
        "美女主播在线|高清影院免费|手机看片神器|午夜激情剧场|真人互动直播|热门福利合集|每日精选推荐",
    ),
    ("list", "热门", "开心游戏丨快乐棋牌丨天天娱乐丨精品推荐丨每日签到丨新人有礼丨人气主播"),
    ("list", "精选", "★午夜剧场★美女写真★热门直播★限时福利★新人专享★免费观看★"),
    ("list", "推荐", "【高清电影】【热门直播】【美女写真】【午夜剧场】【限时福利】【新人专享】"),
    (
        "list",
        "精选",
        "午夜剧场 美女写真 热门直播 限时福利 新人专享 免费观看 精品推荐 每日更新 人气排行 "
        "高清无删 独家资源 会员免费 手机观看",
    ),
    ("list", "合集", "热门直播/美女写真/午夜剧场/限时福利/新人专享/免费观看/人气排行"),
    ("list", "推荐", "午夜剧场 • 美女写真 • 热门直播 • 限时福利 • 新人专享 • 免费观看"),
    # The original injected line, with and without the link
    (
        "lexicon",
        "综合",
        "澳门赌场|真人视讯|在线开户|成人视频|美女直播|体育投注|棋牌送分|彩票计划",
    ),
    (
        "link",
        "综合",
        "澳门赌场|真人视讯|在线开户|成人视频|美女直播 www.yule-888.com",
    ),
]
