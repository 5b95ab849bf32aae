#!/usr/bin/env python3
"""Writes hotline's bench data: the district's grid (10 towns, 800 villages with Chinese names) and a
registry of HOUSEHOLDS households (3 people each: name, ID number, one in three with a mobile number)
as CSV files for \\copy into hotline's copy of intake's registry and grid, and people.csv (ID number,
name, phone, village code, village name, town name, household) for hotline-push.py to build callers
from.

usage: hotline-data.py HOUSEHOLDS OUT_DIR
"""
import datetime
import random
import sys

households, out = int(sys.argv[1]), sys.argv[2]
random.seed(11)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
TOWNS = ["济阳街道", "济北街道", "回河街道", "孙耿街道", "太平街道", "崔寨街道", "垛石街道", "曲堤街道", "仁风镇", "新市镇"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "桂芝秀英玉兰凤霞建国国庆德胜志强丽娟春梅海燕红军永刚立新淑珍文华明亮小燕金花宝山振华学军丽华长青"
PLACE = "东西南北前后大小上下新老高杨柳槐枣杏桃李梨河湾沟屯坡店集寨营堤口桥"


def id_number(n):
    """A distinct valid number for each n (old 济阳县 370125 for half of them)."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=(n // 1000) * 41 % 29000)
    body = "%s%s%03d" % ("370125" if n % 2 else "370115", born.strftime("%Y%m%d"), n % 1000)
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


stamp = "2026-11-01 00:00:00+00"
villages = []
with open(f"{out}/grid_units.csv", "w") as g:
    g.write(f"370115,district,济阳区,,{stamp}\n")
    names = set()
    for t, town in enumerate(TOWNS):
        town_code = "370115%03d" % (1 + t if t < 8 else 100 + t - 7)
        g.write(f"{town_code},town,{town},370115,{stamp}\n")
        for v in range(80):
            while True:
                name = random.choice(["%s家%s" % (random.choice(SURNAMES), random.choice("庄村屯洼")),
                                      "%s%s%s" % (random.choice(PLACE), random.choice(PLACE), random.choice("村庄"))])
                if name not in names:
                    names.add(name)
                    break
            code = "%s%03d" % (town_code, 201 + v)
            villages.append((code, name, town))
            g.write(f"{code},village,{name},{town_code},{stamp}\n")

with open(f"{out}/registry_households.csv", "w") as h, open(f"{out}/registry_members.csv", "w") as m, open(f"{out}/people.csv", "w") as p:
    for i in range(households):
        code, village, town = villages[i % len(villages)]
        household = "%s%06d" % (code, i)
        h.write(f"{household},{code},,{stamp}\n")
        for k in range(3):
            n = i * 3 + k
            number = id_number(n)
            name = random.choice(SURNAMES) + "".join(random.sample(GIVEN, random.choice([1, 2])))
            phone = "1%d%09d" % (random.choice([3, 5, 8]), n) if k == 0 else ""
            m.write(f"{number},{household},{name},{phone}\n")
            p.write(f"{number},{name},{phone},{code},{village},{town},{household}\n")
