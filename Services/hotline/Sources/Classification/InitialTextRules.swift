/// The rules and cues a new installation starts with (migration 101 writes them into `text_rules` and
/// `text_cues`, where the district edits them: `PUT /v1/text-rules/{id}`). Written against the odd-numbered
/// half of the labelled work orders of the tests (Tests/LifelineTests/Data/hotline-labelled-orders.jsonl);
/// the even-numbered half is held out, and docs/hotline.md reports both.
enum InitialTextRules {
    static let rules: [TextRule] = [
        // Disputes over inclusion or removal (认定争议) and complaints about assistance (帮扶投诉) first:
        // they win over risk words in the same order.
        TextRule(
            id: "inclusion-dispute", name: "认定争议", category: .dispute, risk: nil,
            phrases: [
                "不给纳入", "没有纳入", "没给纳入", "没被纳入", "不纳入", "未纳入", "纳不进", "评不上",
                "凭什么", "为什么不给", "为啥不给", "移出", "被取消", "取消了", "停了低保", "把低保停",
                "不公平", "不公正", "评定不公", "优亲厚友", "关系户", "暗箱操作", "条件比我家好", "标识消除",
                "清退", "名额", "评上的", "纳入标准", "公示名单", "这也叫", "被评成", "评成了",
                "要求核查", "要求取消", "评定有问题", "等级从", "没通过", "未通过", "划掉", "去掉",
            ],
            unless: [], weight: 0.8),
        TextRule(
            id: "assistance-complaint", name: "帮扶投诉", category: .complaint, risk: nil,
            phrases: [
                "没发放", "未发放", "没到账", "未到账", "迟迟", "一直没发", "还没发", "没有发", "拖欠",
                "克扣", "不落实", "没落实", "未落实", "不作为", "帮扶干部", "帮扶责任人", "走过场",
                "从来没来", "一次也没来", "报销慢", "报销不了", "推诿", "不给办", "态度差", "吃拿卡要",
                "截留", "承诺的", "答应的", "只发了", "没发了", "拖了", "推镇上", "推来推去",
                "刷不了", "要求落实", "都没来过", "没报下来", "报不下来", "还没下来", "找不着人", "说好的",
                "说好了", "扣钱", "没人联系", "到现在没给", "要求调查", "给了自己亲戚", "还没弄",
            ],
            unless: [
                "征地", "补偿款", "地被征",
            ], weight: 0.7),
        // Risks (返贫致贫风险).
        TextRule(
            id: "illness", name: "疾病", category: .risk, risk: "illness",
            phrases: [
                "生病", "患病", "患有", "得了", "重病", "大病", "病重", "病倒", "癌", "肿瘤",
                "白血病", "尿毒症", "透析", "住院", "住阮", "手术", "化疗", "医药费", "医疗费",
                "药费", "看病", "瞧病", "治病", "脑梗", "脑出血", "中风", "心脏病", "慢性病", "病情",
                "病人", "卧床", "吃药", "治疗费", "医疗支出", "自付", "查出", "肝硬化",
                "帕金森", "糖尿病", "肺气肿", "高血压", "抢救", "药钱", "没钱治", "犯病", "红斑狼疮",
                "半身不遂", "痴呆", "肾病", "病危", "病逝", "重症", "得病", "有病",
            ],
            unless: [
                "停车", "政策有病", "神经病", "有病吧", "医保缴费", "怎么交", "体检",
            ], weight: 0.6),
        TextRule(
            id: "disability", name: "残疾", category: .risk, risk: "disability",
            phrases: [
                "残疾", "残急", "伤残", "瘫痪", "偏瘫", "截肢", "失明", "聋哑", "智障", "精神残",
                "残废", "坐轮椅", "落下残",
            ],
            unless: [
                "车位", "停车", "残疾人证怎么办", "无障碍",
            ], weight: 0.6),
        TextRule(
            id: "disaster", name: "自然灾害", category: .risk, risk: "disaster",
            phrases: [
                "冰雹", "洪水", "洪涝", "水灾", "淹了", "被淹", "暴雨", "大风", "龙卷风", "雪灾",
                "旱灾", "干旱", "绝收", "收成全毁", "全毁了", "受灾", "火灾", "着火", "失火",
                "烧了", "烧毁", "虫灾", "冰包", "砸烂", "着了火", "烧塌", "烧死", "房顶被掀", "雹子", "大水",
            ],
            unless: [
                "预警", "演练", "防汛物资", "天气预报", "引起火灾", "引发火灾", "防火", "打不着火", "感谢",
                "已经领到", "燃气",
            ], weight: 0.6),
        TextRule(
            id: "accident", name: "意外事故", category: .risk, risk: "accident",
            phrases: [
                "车祸", "出车祸", "撞伤", "被撞", "摔伤", "摔断", "摔倒", "工伤", "意外", "事故",
                "砸伤", "烧伤", "骨折", "溺水", "触电", "压断", "出了事故", "撞倒", "刮倒",
                "摔下来", "卷了", "电锯", "伤了手", "被机器", "中毒", "出了车或", "撞死",
            ],
            unless: [
                "视频", "现场", "新闻", "堵车", "交警", "违章", "路口", "红绿灯", "安全检查", "隐患",
            ], weight: 0.55),
        TextRule(
            id: "loss-of-work", name: "失业或收入骤减", category: .risk, risk: "lossOfWork",
            phrases: [
                "失业", "失叶", "下岗", "没活干", "没有活干", "找不到工作", "工厂倒闭", "厂子倒闭",
                "被辞退", "辞退", "裁员", "停工", "务工中断", "打不了工", "干不了活", "没了收入",
                "没有收入", "收入骤减", "收入减少", "断了收入", "没了经济来源", "没有经济来源", "生意失败",
                "赔光", "血本无归", "欠了", "欠债", "外债", "欠下", "没活", "活少", "没接着",
                "不能干活", "不能干重活", "活也干不了", "没收入", "没啥收入", "关停", "停产", "倒闭",
                "摊子被拆", "全断了", "嫌年纪大", "顶梁柱", "车贷", "全完了", "赔进去", "赔了",
                "亏了",
            ],
            unless: [
                "失业保险金怎么领", "失业金怎么", "招聘",
            ], weight: 0.55),
        TextRule(
            id: "schooling-costs", name: "就学费用", category: .risk, risk: "schoolingCosts",
            phrases: [
                "学费", "上不起学", "交不起学", "辍学", "退学", "上学的钱", "生活费", "上大学", "考上大学",
                "读书的钱", "供不起", "上学负担", "住宿费", "学费都交不上", "读高", "上高中",
                "上初中", "考上",
            ],
            unless: [
                "培训班", "补习班", "驾校", "乱收费",
            ], weight: 0.5),
        TextRule(
            id: "housing", name: "住房安全", category: .risk, risk: "housing",
            phrases: [
                "危房", "漏雨", "房子裂", "墙裂", "裂缝", "房屋倒塌", "房子塌", "屋顶塌", "房子快倒",
                "没地方住", "无房可住", "住不了人", "土坯房", "塌了", "倒塌", "老屋", "房梁",
                "掉土", "掉砖", "往外鼓", "墙倒", "墙也倒", "房顶", "没地方去", "挤在一间", "住在村委会",
                "漏风", "四处漏",
            ],
            unless: [
                "拆迁", "物业", "开发商", "楼盘", "装修",
            ], weight: 0.55),
        TextRule(
            id: "drinking-water", name: "饮水安全", category: .risk, risk: "drinkingWater",
            phrases: [
                "停水", "没水吃", "没有水吃", "吃水难", "吃不上水", "饮水困难", "水质", "水发黄",
                "水有异味", "自来水不通", "井干了", "井水干", "断水", "拉水", "吃水", "没通上自来水",
                "没有通自来水", "氟超标", "水是咸", "水缸见底", "没水了", "自来水又", "井水", "挑水", "水管冻", "没通水",
            ],
            unless: [
                "停水通知", "什么时候停水", "水费", "缴费", "小区", "物业", "二次供水", "报修",
            ], weight: 0.5),
        TextRule(
            id: "without-support", name: "老幼无人照料", category: .risk, risk: "withoutSupport",
            phrases: [
                "无人照料", "没人照料", "无人照顾", "没人照顾", "没人管", "无人管", "无人赡养", "不赡养",
                "不管老人", "孤寡", "独居", "留守", "孤儿", "父母双亡", "无人抚养", "没人抚养",
                "子女不管", "儿女不管", "一个人生活", "不管俺", "不管他", "不管她", "都不管", "不养",
                "没人陪", "一个人住", "无儿无女", "孤老", "没人照", "端水的人", "不接老人", "跟着爷爷",
                "跟着奶奶", "离婚后都不管", "没人做饭", "没人问",
            ],
            unless: [], weight: 0.55),
        TextRule(
            id: "general-hardship", name: "生活困难", category: .risk, risk: "other",
            phrases: [
                "家中困难", "家庭困难", "生活困难", "生活不下去", "揭不开锅", "过不下去", "日子难", "没钱",
                "拿不出钱", "缺钱", "困难户", "申请低保", "救助",
            ],
            unless: [
                "咨询", "政策是什么", "怎么申请", "如何申请",
            ], weight: 0.35),
    ]

    static let cues: [TextCue] = [
        TextCue(kind: .negation, phrase: "没有", maxGap: 2),
        TextCue(kind: .negation, phrase: "没", maxGap: 0),
        TextCue(kind: .negation, phrase: "不是", maxGap: 4),
        TextCue(kind: .negation, phrase: "并不是", maxGap: 4),
        TextCue(kind: .negation, phrase: "并非", maxGap: 4),
        TextCue(kind: .negation, phrase: "未曾", maxGap: 1),
        TextCue(kind: .negation, phrase: "不存在", maxGap: 2),
        TextCue(kind: .negation, phrase: "无需", maxGap: 1),
        TextCue(kind: .thirdParty, phrase: "替"),
        TextCue(kind: .thirdParty, phrase: "代为反映"),
        TextCue(kind: .thirdParty, phrase: "帮他"),
        TextCue(kind: .thirdParty, phrase: "帮她"),
        TextCue(kind: .thirdParty, phrase: "他家"),
        TextCue(kind: .thirdParty, phrase: "她家"),
        TextCue(kind: .thirdParty, phrase: "同村"),
        TextCue(kind: .thirdParty, phrase: "村里有一户"),
        TextCue(kind: .thirdParty, phrase: "俺庄上有个"),
        TextCue(kind: .thirdParty, phrase: "他们村有"),
        TextCue(kind: .thirdParty, phrase: "村里有个"),
        TextCue(kind: .thirdParty, phrase: "我是同村"),
        TextCue(kind: .thirdParty, phrase: "楼下住着"),
        TextCue(kind: .thirdParty, phrase: "某村"),
        TextCue(kind: .thirdParty, phrase: "一户人家"),
        TextCue(kind: .thirdParty, phrase: "一个老汉"),
        TextCue(kind: .thirdParty, phrase: "一个老太太"),
        TextCue(kind: .thirdParty, phrase: "举报"),
        TextCue(kind: .thirdParty, phrase: "俺爹"),
        TextCue(kind: .thirdParty, phrase: "我爹"),
        TextCue(kind: .thirdParty, phrase: "俺哥"),
        TextCue(kind: .thirdParty, phrase: "我哥"),
        TextCue(kind: .thirdParty, phrase: "我姐"),
        TextCue(kind: .thirdParty, phrase: "俺姐"),
        TextCue(kind: .thirdParty, phrase: "我弟"),
        TextCue(kind: .thirdParty, phrase: "我妹"),
        TextCue(kind: .thirdParty, phrase: "我邻居"),
        TextCue(kind: .thirdParty, phrase: "俺邻居"),
        TextCue(kind: .thirdParty, phrase: "邻居家的"),
        TextCue(kind: .thirdParty, phrase: "邻居王"),
        TextCue(kind: .thirdParty, phrase: "邻居李"),
        TextCue(kind: .thirdParty, phrase: "邻居张"),
        TextCue(kind: .thirdParty, phrase: "邻居刘"),
        TextCue(kind: .thirdParty, phrase: "邻居家老"),
        TextCue(kind: .thirdParty, phrase: "隔壁一家"),
        TextCue(kind: .thirdParty, phrase: "隔壁家"),
        TextCue(kind: .thirdParty, phrase: "本村有个"),
        TextCue(kind: .thirdParty, phrase: "村里一对"),
        TextCue(kind: .thirdParty, phrase: "村里一户"),
        TextCue(kind: .thirdParty, phrase: "某户"),
        TextCue(kind: .thirdParty, phrase: "表弟"),
        TextCue(kind: .thirdParty, phrase: "表哥"),
        TextCue(kind: .thirdParty, phrase: "侄子"),
        TextCue(kind: .thirdParty, phrase: "外甥"),
        TextCue(kind: .thirdParty, phrase: "他爹"),
        TextCue(kind: .thirdParty, phrase: "她爹"),
        TextCue(kind: .thirdParty, phrase: "她娘"),
        TextCue(kind: .thirdParty, phrase: "他娘"),
        TextCue(kind: .thirdParty, phrase: "一个小伙子"),
        TextCue(kind: .thirdParty, phrase: "一个农村"),
        TextCue(kind: .thirdParty, phrase: "一名"),
        TextCue(kind: .thirdParty, phrase: "一男子"),
        TextCue(kind: .thirdParty, phrase: "男子"),
        TextCue(kind: .thirdParty, phrase: "网民发帖称"),
        TextCue(kind: .thirdParty, phrase: "有户人家"),
        TextCue(kind: .thirdParty, phrase: "她娘一个人"),
        TextCue(kind: .thirdParty, phrase: "我娘一个人"),
        TextCue(kind: .thirdParty, phrase: "俺娘八十"),
    ]
}
