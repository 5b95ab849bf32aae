#!/usr/bin/env python3
"""Writes department screening's bench data: a registry of HOUSEHOLDS households (3 people each) as
two CSV files for \\copy into the service's registry copy, and a monthly file of RECORDS department
records in the documented layout (docs/department-screening.md): about 70 % about registered people,
20 % about people not in the registry, 10 % with a bad ID number.

usage: screening-data.py HOUSEHOLDS RECORDS OUT_DIR
"""
import datetime
import random
import sys

households, records, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
random.seed(7)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_number(n):
    """A distinct valid number for each n: a birth date from n // 1000, a sequence from n % 1000."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 1000)
    body = "370125%s%03d" % (born.strftime("%Y%m%d"), n % 1000)
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


people = []
with open(f"{out}/registry_households.csv", "w") as h, open(f"{out}/registry_members.csv", "w") as m:
    for i in range(households):
        household = "37011510120%08d" % i
        village = "370115101%03d" % (201 + i % 66)
        h.write(f"{household},{village},f,2026-11-01 00:00:00+00,{'t' if i % 5 == 0 else 'f'},{village}001,\n")
        for k in range(3):
            number = id_number(i * 3 + k)
            people.append(number)
            m.write(f"{number},{household},成员{k},{'户主' if k == 0 else '子女'}\n")

KINDS = [
    ("民政", "新纳入低保", ""), ("民政", "临时救助", ""), ("住建", "危房鉴定", "grade=C"), ("住建", "危房鉴定", "grade=B"),
    ("医保", "个人自付医疗费用", ""), ("残联", "残疾评定", "grade=2"), ("人社", "失业登记", ""), ("公安", "机动车登记", ""),
]
with open(f"{out}/records.csv", "w") as f:
    f.write("部门,记录编号,数据月份,公民身份号码,姓名,事实类型,发生日期,金额（分）,详情\r\n")
    for r in range(records):
        department, kind, details = KINDS[r % len(KINDS)]
        roll = random.random()
        if roll < 0.7:
            number = people[random.randrange(len(people))]
        elif roll < 0.9:
            number = id_number(10_000_000 + r)
        else:
            number = "37012519900101123" + str(r % 10)
        amount = str(random.randrange(100_000, 4_000_000)) if kind == "个人自付医疗费用" else ""
        f.write(f"{department},B{r:09d},2026-11,{number},测试,{kind},2026-11-{1 + r % 28:02d},{amount},{details}\r\n")
