"""The Chinese words the demo ledger is made of: names, places, and what visits record.

Plain data for :mod:`zoufang.services.demo_people` and :mod:`zoufang.services.demo_history`.
Lists are tuples so that a seeded ``random.Random`` picks the same items on every run;
weights sit next to their items.
"""

from __future__ import annotations


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"王 wang 李 li"`` → ``(("王", "wang"), ("李", "li"))``."""
    words = text.split()
    return tuple(zip(words[0::2], words[1::2], strict=True))


#: The most common surnames, most frequent first, with pinyin (for cadres' e-mail names).
SURNAMES = _pairs(
    "王 wang 李 li 张 zhang 刘 liu 陈 chen 杨 yang 黄 huang 赵 zhao 吴 wu 周 zhou "
    "徐 xu 孙 sun 马 ma 朱 zhu 胡 hu 郭 guo 何 he 高 gao 林 lin 罗 luo 郑 zheng "
    "梁 liang 谢 xie 宋 song 唐 tang 许 xu 韩 han 冯 feng 邓 deng 曹 cao 彭 peng "
    "曾 zeng 肖 xiao 田 tian 董 dong 袁 yuan 潘 pan 于 yu 蒋 jiang 蔡 cai 余 yu "
    "杜 du 叶 ye 程 cheng 苏 su 魏 wei 吕 lv 丁 ding 任 ren 沈 shen 姚 yao 卢 lu "
    "姜 jiang 崔 cui 钟 zhong 谭 tan 陆 lu 汪 wang 范 fan 金 jin 石 shi 廖 liao "
    "贾 jia 夏 xia 韦 wei 付 fu 方 fang 白 bai 邹 zou 孟 meng 熊 xiong 秦 qin "
    "邱 qiu 江 jiang 尹 yin 薛 xue 闫 yan 段 duan 雷 lei 侯 hou 龙 long 史 shi "
    "陶 tao 黎 li 贺 he 顾 gu 毛 mao 郝 hao 龚 gong 邵 shao 万 wan 钱 qian 严 yan"
)
#: Rough relative frequency of each surname above (the first few cover a third of people).
SURNAME_WEIGHTS = tuple(
    [7.1, 7.0, 6.7, 5.4, 4.5, 3.1, 2.2, 2.0, 1.9, 1.8] + [1.2] * 10 + [0.8] * 20 + [0.45] * 60
)[: len(SURNAMES)]

# Given names follow the fashions of the year of birth; pinyin only where cadres need it.
GIVEN_OLD_MALE = (
    "建国 国强 建华 志强 德胜 国庆 明山 福生 长春 永明 振华 文华 学军 卫东 保国 树林 "
    "富贵 金山 有才 兴旺 春生 德福 玉林 进财 宝山 洪亮 海生 广田 秋生 炳南"
).split()
GIVEN_OLD_FEMALE = (
    "秀英 桂兰 玉兰 淑珍 秀兰 桂英 凤英 玉珍 秀珍 翠花 桂芳 淑芬 秀云 兰英 玉梅 金凤 "
    "素芳 冬梅 春花 美华 凤兰 桂珍 玉芬 秀芝 月英"
).split()
GIVEN_MID_MALE = _pairs(
    "伟 wei 强 qiang 磊 lei 军 jun 勇 yong 杰 jie 涛 tao 斌 bin 超 chao 明 ming "
    "刚 gang 平 ping 辉 hui 鹏 peng 飞 fei 波 bo 宁 ning 海军 haijun 志刚 zhigang "
    "晓东 xiaodong 建军 jianjun 红军 hongjun 小龙 xiaolong 海涛 haitao 文斌 wenbin "
    "立新 lixin 永刚 yonggang 卫国 weiguo 德明 deming 春雷 chunlei"
)
GIVEN_MID_FEMALE = _pairs(
    "丽 li 静 jing 敏 min 燕 yan 艳 yan 娟 juan 霞 xia 芳 fang 红 hong 梅 mei "
    "玲 ling 琳 lin 婷 ting 丽娟 lijuan 晓燕 xiaoyan 海燕 haiyan 红霞 hongxia "
    "春燕 chunyan 秀梅 xiumei 小红 xiaohong 雪梅 xuemei 丽华 lihua 桂香 guixiang "
    "彩云 caiyun 晓丽 xiaoli 慧 hui"
)
GIVEN_YOUNG_MALE = _pairs(
    "浩然 haoran 子轩 zixuan 宇轩 yuxuan 浩宇 haoyu 梓豪 zihao 俊杰 junjie 博文 bowen "
    "一鸣 yiming 天佑 tianyou 明轩 mingxuan 睿 rui 宇航 yuhang 铭泽 mingze 昊天 haotian "
    "思远 siyuan 嘉豪 jiahao 家乐 jiale 晨阳 chenyang 子墨 zimo 文博 wenbo"
)
GIVEN_YOUNG_FEMALE = _pairs(
    "欣怡 xinyi 梓涵 zihan 诗涵 shihan 雨萱 yuxuan 可馨 kexin 思彤 sitong 一诺 yinuo "
    "子萱 zixuan 梦瑶 mengyao 佳怡 jiayi 紫涵 zihan 语嫣 yuyan 雨桐 yutong 若曦 ruoxi "
    "欣妍 xinyan 艺涵 yihan 乐瑶 leyao 思雨 siyu 婉清 wanqing 梓萱 zixuan"
)

# ------------------------------------------------------------------------ places

#: Names villages and communities were given in the 1950s–70s; used first.
CLASSIC_PLACES = (
    "红星 东风 向阳 光明 胜利 前进 新华 和平 幸福 团结 建设 民主 永丰 长青 跃进 红旗 "
    "东升 朝阳 丰收 繁荣 解放 先锋 五星 新民 共和 联合 太平 兴隆 永安 长安"
).split()
#: Place-name endings after a surname: 杨家庄, 石桥, 马家湾 …
PLACE_ENDINGS = "家庄 家湾 家营 家堡 家岭 家沟 家坪 家寨 家桥 家店 家集 家屯 家坝 家洼 庄 店 集 屯 桥 营".split()
PLACE_PREFIXES = "东 西 南 北 前 后 大 小 上 下 中 新".split()
TOWN_NAMES = (
    "城关 青山 柳河 石门 新集 马庄 白沙 黄土岭 双河 龙泉 清水 桃花 高桥 回龙 太和 "
    "永兴 三里 王集 李店 杨树 金牛 梅林 凤凰 安乐 大王庄 铁佛 古城 长岭 平安 河口"
).split()
CHINESE_NUMERALS = "一 二 三 四 五 六 七 八 九 十".split()

# ------------------------------------------------------------------------ profile

HOUSING = (
    "自有砖混房，结构安全",
    "土木结构老房，年久失修",
    "危房改造后新建砖房",
    "易地搬迁安置房",
    "租住公租房",
    "与子女同住",
    "自有楼房",
    "两间平房，冬季较冷",
)
OLD_HEALTH = (
    "高血压，需长期服药",
    "腿脚不便，行动迟缓",
    "患慢性支气管炎",
    "糖尿病",
    "听力下降",
    "身体尚好",
    "白内障术后",
    "冠心病",
    "骨质疏松，腰腿疼痛",
)
ILLNESS_HEALTH = (
    "尿毒症，每周透析两次",
    "肺癌术后化疗",
    "脑梗后遗症，半身不遂",
    "重度类风湿关节炎",
    "乳腺癌术后康复",
    "肝硬化",
    "白血病维持治疗",
    "严重心脏病，做过搭桥手术",
)
DISABLED_HEALTH = (
    "肢体残疾二级",
    "肢体残疾三级",
    "视力残疾一级",
    "听力残疾二级",
    "智力残疾三级",
    "精神残疾二级",
    "言语残疾",
)
ADULT_HEALTH = ("健康", "健康", "健康", "胃病", "腰椎间盘突出", "高血压")
MEMBER_HEALTH = ("健康", "健康", "健康", "健康", "高血压", "糖尿病", "慢性病", "肢体残疾")

EMPLOYMENT = {
    "old": ("无劳动能力", "在家务农（少量）", "无", "退休"),
    "adult": ("在家务农", "公益性岗位", "灵活就业", "外出务工", "镇上打零工", "无固定工作"),
    "child": ("小学在读", "初中在读", "学龄前"),
    "cadre": ("乡镇干部", "村党支部书记", "驻村工作队员", "社区网格员"),
    "retired": ("退休",),
}

HARDSHIP = {
    "honour-recipient": "年事已高，需要经常关心照顾",
    "hardship-member": "因病因灾生活困难",
    "veteran-member": "年老体弱，行动不便",
    "retired-cadre": "身体状况较差，子女不在身边",
    "bereaved-family": "配偶因公牺牲，家庭缺少主要劳动力",
    "illness-poverty": "家庭成员患重病，医疗支出大，因病致贫",
    "low-income": "家庭人均收入低于当地低保标准",
    "disabled": "因残致贫，缺乏劳动能力",
    "elderly-alone": "子女在外地，独自生活",
    "left-behind-child": "父母均在外地务工，由祖父母照看",
    "frontline-cadre": "长期在基层一线，家中老人无人照料",
}

EXIT_REASONS = (
    "随子女迁居外地",
    "户主去世",
    "家庭收入提高，超过低保标准，退出低保",
    "孩子父母返乡就业，不再属于留守儿童",
    "经年度复核不再符合帮扶条件",
)

MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "177 180 181 182 183 185 186 187 188 189 198 199"
).split()

# ------------------------------------------------------------------------ visits
# Keys are care groups (see demo.CARE_GROUP): what is said at a visit depends on who lives there.

NOTES = {
    "elderly": (
        "入户看望老人，精神状态良好，叮嘱注意保暖、按时服药。",
        "老人反映近来腿脚疼痛加重，已联系村医上门查看。",
        "帮助老人打扫卫生，检查用电用气安全，排除隐患一处。",
        "与老人拉家常，了解子女近况，老人说子女每周打一次电话。",
        "测量血压150/95，偏高，提醒按时服用降压药，少吃咸。",
        "老人独自在家，冰箱里食物充足，取暖设备正常。",
        "陪老人到村卫生室做了体检，各项指标基本正常。",
    ),
    "child": (
        "了解孩子学习情况，期中考试数学进步明显，鼓励继续努力。",
        "与祖母沟通孩子生活习惯，提醒注意用电和防溺水安全。",
        "孩子说想念在外务工的父母，协助与父母视频通话。",
        "检查孩子作业完成情况，辅导语文作业半小时。",
        "与班主任电话沟通，孩子在校表现良好，性格比以前开朗。",
        "祖父身体不太好，接送孩子有困难，已请邻居帮忙。",
    ),
    "illness": (
        "户主透析治疗稳定，医保报销款已到账，家庭支出压力仍较大。",
        "了解住院费用报销进度，讲解大病保险和医疗救助政策。",
        "病情有所好转，已能下床活动，家属照料较为到位。",
        "复查结果不理想，家属情绪低落，做了安抚疏导。",
        "核对本年度医疗费用票据，指导申请医疗救助。",
    ),
    "disabled": (
        "检查辅助器具使用情况，轮椅刹车松动，已登记维修。",
        "了解残疾人两项补贴发放情况，均已按月到账。",
        "户主在家做手工编织，有少量收入，情绪稳定。",
        "讲解残疾人康复服务政策，家属表示愿意参加康复训练。",
    ),
    "low-income": (
        "核实家庭收入和人口变化情况，低保金按时足额发放。",
        "户主在镇上公益岗工作，月收入约1500元，生活基本稳定。",
        "宣讲低保动态管理政策，提醒家庭情况变化及时报告。",
        "家中今年种了三亩玉米，收成一般，口粮够吃。",
        "孩子考上县职业中学，讲解教育资助政策。",
    ),
    "party": (
        "为老党员送学上门，讲解党的二十大精神，老人听得很认真。",
        "老党员谈起入党经历，嘱咐年轻干部多为群众办实事。",
        "上门收缴党费，了解老党员身体和生活情况。",
        "老党员对村里的道路硬化很满意，提出了几点意见。",
    ),
    "general": (
        "房屋结构安全，水电设施正常。",
        "家中饮水、用电正常，生活用品充足。",
        "宣传医保缴费和防范电信诈骗知识，发放宣传册。",
        "家人都在，聊了聊今年的收成和打算。",
        "院子打扫得干净，家里人精神面貌不错。",
    ),
}
FESTIVAL_NOTES = {
    "spring": "春节前走访慰问，送上慰问品，了解过年准备情况，叮嘱注意用火安全。",
    "july": "七一前夕看望慰问党员，送上慰问品和党报党刊，听取意见建议。",
    "double-ninth": "重阳节看望老人，送去慰问品，陪老人聊天，叮嘱注意身体。",
}
VERIFICATION_NOTES = (
    "入户核实家庭人口、收入、住房情况，与申报信息一致。",
    "年度复核：家庭情况无明显变化，继续纳入帮扶。",
    "核对家庭成员身份证件和户口簿，信息一致。",
)
UNANNOUNCED_NOTES = (
    "不打招呼入户暗访，核实帮扶措施落实情况，未发现问题。",
    "暗访：户主对联系干部的工作表示满意。",
)
RETURN_NOTES = (
    "回访上次反映的问题，已有进展，向户主说明办理情况。",
    "回访：事项正在协调中，户主表示理解。",
    "回访：上次反映的问题已解决，户主表示满意。",
)

#: Needs raised at visits (each becomes a commitment), with how each was settled.
NEEDS = {
    "elderly": (
        ("申请高龄津贴", "高龄津贴已审批，按月发放到户"),
        ("屋顶漏雨，需要维修", "已请施工队修好屋顶，雨后回访不再漏雨"),
        ("希望安装紧急呼叫设备", "一键呼叫设备已安装，教会老人使用"),
        ("申请居家养老上门服务", "已纳入居家养老服务，每周上门两次"),
        ("希望联系医院上门体检", "镇卫生院已上门体检，结果已告知家属"),
        ("厕所改造，加装扶手", "厕所已改造并加装扶手"),
        ("协助办理医保异地备案", "异地就医备案已办好"),
    ),
    "child": (
        ("孩子需要书桌和学习用品", "书桌和学习用品已送到家"),
        ("申请教育资助", "教育资助已审批，资金已发放"),
        ("希望安排志愿者课后辅导", "已安排志愿者每周两次课后辅导"),
        ("孩子视力下降，需要配眼镜", "已陪同验光配镜"),
        ("协调孩子转学手续", "转学手续已办妥，孩子已入学"),
    ),
    "illness": (
        ("申请临时救助", "临时救助金已发放"),
        ("协助办理慢性病门诊卡", "慢性病门诊卡已办好"),
        ("申请大病医疗救助", "大病医疗救助已审批到账"),
        ("联系县医院安排专家会诊", "已联系县医院完成专家会诊"),
        ("协调住院费用报销", "住院费用已按规定报销"),
    ),
    "disabled": (
        ("申请轮椅", "轮椅已由县残联配发到户"),
        ("申请残疾人两项补贴", "两项补贴已审批，按月发放"),
        ("家中无障碍改造", "无障碍改造已完工"),
        ("协助换领残疾人证", "新的残疾人证已领取"),
        ("联系康复机构做康复训练", "已安排到县康复中心做康复训练"),
    ),
    "low-income": (
        ("希望安排公益性岗位", "已安排村保洁公益性岗位"),
        ("申请危房改造", "危房改造已列入年度计划并完工"),
        ("协调自来水入户", "自来水已通到户"),
        ("协助准备低保年审材料", "年审材料已帮助备齐并提交"),
        ("申请冬季取暖补贴", "取暖补贴已发放"),
        ("帮助联系就业岗位", "已推荐到县城工业园就业"),
    ),
    "party": (
        ("希望订阅党报党刊", "党报党刊已订阅，按期送到"),
        ("组织生活时希望上门送学", "支部已安排每月上门送学"),
        ("申请困难党员补助", "困难党员补助已发放"),
    ),
    "general": (
        ("门前道路坑洼，出行不便", "门前道路已修补平整"),
        ("路灯损坏，夜间照明不足", "路灯已修复"),
        ("协助办理社保卡", "社保卡已办好并送到户主手中"),
        ("协调解决邻里宅基地纠纷", "经村调解委员会调解，双方达成协议"),
        ("电线老化，需要检修", "电工已上门更换老化电线"),
    ),
}
SUGGESTIONS = (
    "建议村里增设老年活动室",
    "建议增加村道路灯",
    "希望定期组织义诊进村",
    "建议公示栏及时更新低保名单",
    "建议在村口增设公交站点",
    "希望组织农业技术培训",
    "建议整治村内垃圾堆放点",
    "建议开设四点半课堂",
    "建议加强防范电信诈骗宣传",
    "建议修缮村里的文化广场",
    "希望增加快递代收点",
)
WISHES = {
    "child": (
        "想要一个新书包",
        "想要一套课外读物",
        "想要一辆儿童自行车",
        "想要一双运动鞋",
        "想要一本新华字典",
        "想和在外打工的爸爸妈妈视频通话",
        "想要一盒水彩笔",
    ),
    "adult": (
        "想要一台收音机",
        "想要一个电暖器",
        "想要一副老花镜",
        "想要一床新棉被",
        "想去县城看一场戏",
        "想要一台小电视",
    ),
}
#: Who claims a wish when a cadre does not: a unit and its contact person.
WISH_UNITS = (
    ("县团委青年志愿者协会", "张晓燕"),
    ("县妇联", "李红梅"),
    ("镇卫生院", "王医生"),
    ("县供电公司党支部", "赵建军"),
    ("爱心企业华联超市", "陈经理"),
    ("县残联", "刘志强"),
)
WISH_FULFILLED = (
    "心愿物品已送到户主手中，户主表示感谢。",
    "已帮助实现心愿，拍照留档。",
    "认领单位上门送达，户主签字确认。",
)
WISH_DECLINED = (
    "超出帮扶范围，已向户主耐心说明。",
    "户主已自行解决，不再需要。",
    "暂不具备条件，已向户主解释并做好记录。",
)
SUGGESTION_ANSWERS = {
    "adopted": (
        "已采纳，列入村里今年的工作计划。",
        "已向镇里反映并采纳，正在落实。",
        "采纳，已安排专人负责。",
    ),
    "not-adopted": (
        "暂无专项经费，已向户主解释。",
        "不符合相关规定，已当面说明。",
    ),
    "answered": (
        "已向户主说明有关政策。",
        "已转达相关部门，并告知户主。",
    ),
}
FESTIVAL_GIFTS = {
    "spring": ("米面油", "大米一袋、食用油一桶", "春联、福字", "棉被一床", "慰问品（牛奶、水果）"),
    "july": ("党报党刊", "慰问品（牛奶、水果）", "米面油"),
    "double-ninth": ("重阳糕、水果", "慰问品（牛奶、营养品）", "保暖内衣一套"),
}
ROUTINE_GIFTS = ("米面油", "牛奶一箱", "常用药品", "学习用品一套", "水果一箱", "电暖器一台")

RESPONSE_NOTES = (
    "已向镇里提交申请材料，等待审核。",
    "已与相关部门对接，正在协调办理。",
    "已电话告知户主办理进度。",
    "已上门了解具体情况，正在落实。",
)
RESOLVE_ENDINGS = ("，户主表示满意。", "，户主签字确认。", "，回访时户主满意。", "。")
CANNOT_NOTES = ("不符合政策条件，已向户主耐心解释。", "户主改变想法，不再需要办理。")
REFER_TO = (
    "县民政局",
    "县残联",
    "镇卫生院",
    "县人社局",
    "县教育局",
    "县住建局",
    "县医保局",
    "镇综治中心",
)
CADRE_UNITS_TOWN = ("人民政府", "党委", "民政办", "社会事务办")
