#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes one_percent_broken.csv: 400 made-up registrations of which 4 (1%) are broken in
# different ways, at lines that tests/io/test_record_reader.c checks. Deterministic: rerun it
# and git diff must stay empty.
import random

rng = random.Random(20240611)
given = ["محمد", "أحمد", "علي", "حسين", "عمر", "خالد", "Mohammed", "Ahmed", "Ali", "Omar",
         "فاطمة", "زينب", "Khadija", "Huda"]
fathers = ["جاسم", "حسن", "صالح", "كريم", "Hassan", "Jasim", "Saleh", "Karim"]
families = ["", "الجبوري", "الدليمي", "al-Obeidi", "al-Shammari", ""]
sites = ["مخيم الجدعة", "Al-Hol camp", "Checkpoint 7", "سيطرة الصقور"]
broken = {
    57: "bad_date",
    141: "duplicate_id",
    263: "bad_utf8",
    388: "field_count",
}
lines = [b"id,name,father,family,mother,birth_date,sex,site"]
for n in range(1, 401):
    line = n + 1
    rid = f"P{n:04d}"
    name = f"{rng.choice(given)} {rng.choice(fathers)} {rng.choice(given)}"
    date = f"{rng.randint(1960, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    row = [rid, name, rng.choice(fathers), rng.choice(families), rng.choice(given[10:]), date,
           rng.choice(["m", "f"]), rng.choice(sites)]
    kind = broken.get(line)
    if kind == "bad_date":
        row[5] = "1987-02-30"
    elif kind == "duplicate_id":
        row[0] = "P0010"
    elif kind == "field_count":
        row = row[:6]
    encoded = ",".join(row).encode()
    if kind == "bad_utf8":
        encoded = encoded.replace(rid.encode() + b",", rid.encode() + b",\xc3\x28", 1)
    lines.append(encoded)
open("one_percent_broken.csv", "wb").write(b"\n".join(lines) + b"\n")
