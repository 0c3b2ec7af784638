#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bench fixture only: a quick synthetic registry and watchlist for bench/screen_vs_pgtrgm.sh.

    tools/gen/bench_fixture.py --seed 1 --registry 20000 --list 2000 --out out/fixture

writes OUT/registry.csv and OUT/list.csv in the record format (a subset of its columns). Same
command line as the population generator (tools/gen/gen_population.py) so the two can be swapped,
but this one is deliberately crude: a small vocabulary of Iraqi/Syrian names, Arabic script or one
of a few Latin spellings, and about half of the list entries taken from registry people (other
script or spelling, grandfather sometimes dropped) so that screening has true hits to find. It
exists to give the benchmark realistic name lengths and scripts, not realistic frequencies; use
the population generator for figures that matter. Python 3 standard library only.
"""

import argparse
import csv
import os
import random

# (Arabic, Latin spellings) -- given names double as father and grandfather names.
GIVEN_M = [
    ("محمد", ["Mohammed", "Muhammad", "Mohamed"]), ("أحمد", ["Ahmed", "Ahmad"]), ("علي", ["Ali"]),
    ("حسين", ["Hussein", "Husayn", "Hussain"]), ("عمر", ["Omar", "Umar"]), ("خليل", ["Khalil"]),
    ("إبراهيم", ["Ibrahim", "Ebrahim"]), ("يوسف", ["Yousef", "Yusuf"]), ("حسن", ["Hassan", "Hasan"]),
    ("عبد الله", ["Abdullah", "Abd Allah", "Abdallah"]), ("صالح", ["Saleh", "Salih"]),
    ("محمود", ["Mahmoud", "Mahmud"]), ("جاسم", ["Jassim", "Jasim"]), ("طه", ["Taha"]),
    ("ياسين", ["Yasin", "Yassin"]), ("خالد", ["Khaled", "Khalid"]), ("سعد", ["Saad", "Sa'd"]),
    ("عبد الرحمن", ["Abdul Rahman", "Abd al-Rahman", "Abdulrahman"]), ("كريم", ["Karim", "Kareem"]),
    ("مصطفى", ["Mustafa", "Moustafa"]), ("حمزة", ["Hamza", "Hamzah"]), ("زياد", ["Ziad", "Ziyad"]),
    ("فيصل", ["Faisal", "Faysal"]), ("ماجد", ["Majid", "Majed"]), ("عادل", ["Adel", "Adil"]),
    ("رعد", ["Raad", "Ra'd"]), ("سلمان", ["Salman"]), ("نبيل", ["Nabil", "Nabeel"]),
]
GIVEN_F = [
    ("فاطمة", ["Fatima", "Fatma"]), ("خديجة", ["Khadija", "Khadijah"]), ("زينب", ["Zainab", "Zaynab"]),
    ("عائشة", ["Aisha", "Aysha"]), ("مريم", ["Maryam", "Mariam"]), ("سارة", ["Sara", "Sarah"]),
    ("نور", ["Nour", "Noor"]), ("هدى", ["Huda", "Houda"]), ("أسماء", ["Asmaa", "Asma"]),
]
FAMILY = [
    ("الجبوري", ["al-Jubouri", "AL-JUBURI", "Al Jubouri"]), ("الدليمي", ["al-Dulaimi", "Al-Dulaymi"]),
    ("العبيدي", ["al-Obeidi", "al-Ubaydi"]), ("الساعدي", ["al-Saadi", "Al-Sa'idi"]),
    ("التكريتي", ["al-Tikriti", "Al Tikriti"]), ("الزبيدي", ["al-Zubaidi", "al-Zubaydi"]),
    ("الشمري", ["al-Shammari", "Al-Shammary"]), ("العاني", ["al-Ani", "Al Aani"]),
    ("الراوي", ["al-Rawi", "Al-Rawi"]), ("الحديثي", ["al-Hadithi", "Al Hadeethi"]),
    ("الكبيسي", ["al-Kubaisi", "Al-Kubaysi"]), ("الحلبي", ["al-Halabi", "Al Halaby"]),
    ("العزاوي", ["al-Azzawi", "Al-Azawi"]), ("", [""]), ("", [""]),
]


def person(rng):
    sex = rng.choice("mmmf")
    given = rng.choice(GIVEN_M if sex == "m" else GIVEN_F)
    parts = [given, rng.choice(GIVEN_M), rng.choice(GIVEN_M), rng.choice(FAMILY)]
    return {"sex": sex, "parts": parts, "year": rng.randint(1950, 2005)}


def render(rng, parts, arabic, drop_grandfather=False):
    chosen = [p for i, p in enumerate(parts) if not (drop_grandfather and i == 2)]
    words = [p[0] if arabic else rng.choice(p[1]) for p in chosen]
    return " ".join(w for w in words if w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--registry", type=int, required=True, help="registry records to write")
    ap.add_argument("--list", type=int, required=True, help="list entries to write")
    ap.add_argument("--out", required=True, help="directory for registry.csv and list.csv")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    people = []
    with open(os.path.join(args.out, "registry.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "birth_date", "sex"])
        for i in range(args.registry):
            p = person(rng)
            people.append(p)
            w.writerow([f"R{i + 1:07d}", render(rng, p["parts"], rng.random() < 0.6), p["year"], p["sex"]])

    with open(os.path.join(args.out, "list.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "aliases", "birth_date", "sex"])
        for i in range(args.list):
            p = rng.choice(people) if people and rng.random() < 0.5 else person(rng)
            arabic = rng.random() < 0.4
            name = render(rng, p["parts"], arabic, drop_grandfather=rng.random() < 0.3)
            aliases = {render(rng, p["parts"], not arabic) for _ in range(rng.randint(0, 2))}
            aliases.discard(name)
            year = p["year"] + rng.choice([0, 0, 0, -1, 1])
            w.writerow([f"L{i + 1:06d}", name, ";".join(sorted(aliases)), year, p["sex"]])


if __name__ == "__main__":
    main()
