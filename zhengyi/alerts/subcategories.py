"""Default subcategories (细类) with pinyin initials, loaded by a data migration.

Pinyin initials let a dispatcher type "dq" for 盗窃 without switching input method.
"""

from __future__ import annotations

# (category, code, name, pinyin initials)
DEFAULT_SUBCATEGORIES: list[tuple[str, str, str, str]] = [
    ("criminal", "theft", "盗窃", "dq"),
    ("criminal", "pickpocket", "扒窃", "pq"),
    ("criminal", "robbery", "抢劫", "qj"),
    ("criminal", "snatch", "抢夺", "qd"),
    ("criminal", "fraud", "诈骗", "zp"),
    ("criminal", "telecom_fraud", "电信网络诈骗", "dxwlzp"),
    ("criminal", "pyramid", "传销", "cx"),
    ("criminal", "assault", "故意伤害", "gysh"),
    ("criminal", "burglary", "入室盗窃", "rsdq"),
    ("public_order", "fight", "打架斗殴", "djdo"),
    ("public_order", "disturbance", "寻衅滋事", "xxzs"),
    ("public_order", "drunk", "醉酒滋事", "zjzs"),
    ("public_order", "noise", "噪音扰民", "zyrm"),
    ("public_order", "gambling", "赌博", "db"),
    ("public_order", "prostitution", "卖淫嫖娼", "mypc"),
    ("public_order", "suspicious", "可疑人员", "kyry"),
    ("mass_incident", "gathering", "聚集上访", "jjsf"),
    ("mass_incident", "wage_dispute", "讨薪聚集", "txjj"),
    ("disaster", "fall", "高空坠物", "gkzw"),
    ("disaster", "lift", "电梯困人", "dtkr"),
    ("disaster", "flood", "水浸内涝", "xjnl"),
    ("traffic", "collision", "交通事故", "jtsg"),
    ("traffic", "congestion", "交通拥堵", "jtyd"),
    ("traffic", "illegal_parking", "违章停车", "wztc"),
    ("fire", "building_fire", "建筑火灾", "jzhz"),
    ("fire", "vehicle_fire", "车辆火灾", "clhz"),
    ("assistance", "lost_person", "走失求助", "zsqz"),
    ("assistance", "lost_property", "遗失物品", "yswp"),
    ("assistance", "locked_out", "开锁求助", "ksqz"),
    ("assistance", "medical", "急病求助", "jbqz"),
    ("dispute", "neighbour", "邻里纠纷", "lljf"),
    ("dispute", "consumer", "消费纠纷", "xfjf"),
    ("dispute", "labour", "劳资纠纷", "lzjf"),
    ("dispute", "family", "家庭纠纷", "jtjf"),
    ("complaint", "conduct", "民警执法投诉", "mjzfts"),
    ("complaint", "service", "服务态度投诉", "fwtdts"),
    ("other", "consultation", "咨询", "zx"),
    ("other", "misdial", "误拨", "wb"),
]
