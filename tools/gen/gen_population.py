#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Synthetic Iraqi and Syrian people for screening tests: a registry, a watchlist, the truth.

    gen_population.py --seed N --registry N_REG --list N_LIST --out DIR

writes DIR/registry.csv and DIR/list.csv in the tabayyun record format
(docs: /work/shared/docs/record-format.md), DIR/truth.csv (`record_id,list_id`, one row per
true pair) and DIR/list_meta.csv (per list entry: what kind of entry it is, which registry
record it was made from and how it was rewritten; for diagnostics, never for matching).

Deterministic: the same arguments give byte-identical files (only random.Random.random() is
used, whose sequence Python guarantees across versions). Registry rows are streamed out, so
memory grows with the list size, not the registry size. Python 3 standard library only.
See tools/gen/README.md for the model.
"""

import argparse
import bisect
import csv
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import names_data as nd  # noqa: E402

HEADER = ["id", "name", "given", "father", "grandfather", "family", "aliases", "weak_aliases",
          "mother", "birth_date", "sex", "birth_place", "nationality", "documents", "site", "note"]

YEAR_NOW = 2024
RESERVOIR = 20_000  # recent persons kept for re-registrations and namesakes
STATS_WINDOW = 200_000  # registry records over which namesake statistics are counted

# How a registry record comes about (cumulative thresholds on one uniform draw).
P_REREGISTER = 0.02  # the same person registered again (another site, clerk, script)
P_SIBLING = 0.12  # a brother or sister of the previous person (same father line, mother)
P_PARENT = 0.02  # the father of the previous person
P_NAMESAKE = 0.015  # a different person with the given/father/grandfather of an earlier one

# Share of the list by kind (the rest is unrelated people who are not in the registry).
LIST_TRUE = 0.30
LIST_NAMESAKE = 0.10  # same three-part name as a registry person, different person
LIST_GIVEN_FATHER = 0.10  # same given + father names, different grandfather
LIST_HARD_NEG = 0.10  # one name swapped for a confusable different name (Hasan / Husayn)

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
HAMZA_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


# ------------------------------------------------------------------------- tables


class Name:
    __slots__ = ("arabic", "latin", "cum", "weight", "tag", "index")

    def __init__(self, arabic, weight, tag, latin, index):
        self.arabic = arabic
        self.weight = float(weight)
        self.tag = tag
        self.latin = [s.replace("_", " ") for s in latin.split()]
        self.cum = cumulative([0.6 ** i for i in range(len(self.latin))])
        self.index = index


def cumulative(weights):
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class Tables:
    """Name families with per-region cumulative weights."""

    REGIONS = ("is", "ih", "im", "y")  # Iraq Sunni, Iraq Shia, Iraq mixed, Syria

    def __init__(self):
        self.male = [Name(a, w, t, l, i) for i, (a, w, t, l) in enumerate(nd.parse(nd.MALE, 4))]
        self.female = [Name(a, w, t, l, i)
                       for i, (a, w, t, l) in enumerate(nd.parse(nd.FEMALE, 4))]
        self.family = [Name(a, w, t, l, i)
                       for i, (a, w, t, l) in enumerate(nd.parse(nd.FAMILY, 4))]
        self.nisba = [Name(a, 1, "-", l, i) for i, (a, l) in enumerate(nd.parse(nd.NISBA, 2))]
        self.places = [Name(a, 1, r, l, i) for i, (a, r, l) in enumerate(nd.parse(nd.PLACES, 3))]
        self.sites = nd.parse(nd.SITES, 3)
        self.by_arabic = {}
        for table, sex in ((self.male, "m"), (self.female, "f")):
            for n in table:
                self.by_arabic[(sex, n.arabic)] = n
        self.male_cum = {r: cumulative([n.weight * self._tilt(n.tag, r) for n in self.male])
                         for r in self.REGIONS}
        self.female_cum = {r: cumulative([n.weight * self._tilt(n.tag, r) for n in self.female])
                           for r in self.REGIONS}
        self.family_by_region = {}
        for r in self.REGIONS:
            fams = [f for f in self.family if self._family_fits(f.tag, r)]
            self.family_by_region[r] = (fams, cumulative([f.weight for f in fams]))
        self.places_by_region = {r: [p for p in self.places if p.tag == r] for r in self.REGIONS}
        self.sites_by_country = {c: [s for s in self.sites if s[1] == c] for c in ("IQ", "SY")}
        # confusable partners, by (sex, index)
        self.confusable = {}
        for a, b in nd.HARD_NEGATIVES:
            for sex in ("m", "f"):
                na, nb = self.by_arabic.get((sex, a)), self.by_arabic.get((sex, b))
                if na and nb:
                    self.confusable.setdefault((sex, na.index), []).append(nb.index)
                    self.confusable.setdefault((sex, nb.index), []).append(na.index)
        self.kunya = {}
        for a, sons in nd.KUNYA.items():
            self.kunya[self.by_arabic[("m", a)].index] = [self.by_arabic[("m", s)].index
                                                         for s in sons]

    @staticmethod
    def _tilt(tag, region):
        if tag == "-" or region == "im":
            return 1.0
        if region == "ih":
            return 3.0 if tag == "h" else 0.15
        # Sunni Iraq and (mostly Sunni) eastern Syria
        return 0.1 if tag == "h" else 1.5

    @staticmethod
    def _family_fits(tag, region):
        if region == "y":
            return tag == "y"
        return tag == "i" or (tag == "is" and region in ("is", "im")) or \
            (tag == "ih" and region in ("ih", "im"))


# ---------------------------------------------------------------------- random


class Rand:
    """Thin layer over random.Random using only random() (stable across versions)."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.u = self.r.random

    def below(self, n):
        return int(self.u() * n)

    def pick(self, cum):
        return bisect.bisect_right(cum, self.u() * cum[-1])

    def choice(self, seq):
        return seq[int(self.u() * len(seq))]

    def chance(self, p):
        return self.u() < p


# ---------------------------------------------------------------------- persons


class Person:
    __slots__ = ("pid", "sex", "nat", "region", "given", "father", "grand", "family",
                 "mgiven", "mfather", "mfamily", "y", "m", "d", "place", "natid", "passport",
                 "records", "kunya_son")


DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


class World:
    def __init__(self, tables):
        self.t = tables
        self.next_pid = 0

    def _pid(self):
        self.next_pid += 1
        return self.next_pid

    def birth(self, rng, p):
        r = rng.u()
        if r < 0.08:
            age = 5 + rng.below(10)
        else:
            age = 15 + int((rng.u() ** 1.4) * 60)
        p.y = YEAR_NOW - age
        p.m = 1 + rng.below(12)
        p.d = 1 + rng.below(DAYS[p.m - 1])

    def male_name(self, rng, region):
        return rng.pick(self.t.male_cum[region])

    def family_name(self, rng, region, nat):
        if not rng.chance(0.7 if nat == "SY" else 0.4):
            return -1
        fams, cum = self.t.family_by_region[region]
        return fams[rng.pick(cum)].index

    def mother(self, rng, p):
        p.mgiven = rng.pick(self.t.female_cum[p.region])
        p.mfather = self.male_name(rng, p.region)
        p.mfamily = self.family_name(rng, p.region, p.nat)

    def documents(self, rng, p):
        p.natid = ""
        p.passport = ""
        if p.nat == "IQ" and rng.chance(0.35):
            p.natid = str(1 + rng.below(2)) + "".join(str(rng.below(10)) for _ in range(11))
        elif p.nat == "SY" and rng.chance(0.25):
            p.natid = "0" + "".join(str(rng.below(10)) for _ in range(10))
        if rng.chance(0.06):
            p.passport = ("A" if p.nat == "IQ" else "N") + \
                "".join(str(rng.below(10)) for _ in range(8 if p.nat == "IQ" else 9))

    def new(self, rng, sex=None, nat=None, region=None):
        p = Person()
        p.pid = self._pid()
        p.nat = nat or ("IQ" if rng.chance(0.78) else "SY")
        if region:
            p.region = region
        elif p.nat == "SY":
            p.region = "y"
        else:
            r = rng.u()
            p.region = "is" if r < 0.62 else "ih" if r < 0.82 else "im"
        p.sex = sex or ("m" if rng.chance(0.52) else "f")
        p.father = self.male_name(rng, p.region)
        p.grand = self.male_name(rng, p.region)
        if p.sex == "m" and rng.chance(0.18):
            p.given = p.grand  # named after his paternal grandfather
        elif p.sex == "m":
            p.given = self.male_name(rng, p.region)
        else:
            p.given = rng.pick(self.t.female_cum[p.region])
        p.family = self.family_name(rng, p.region, p.nat)
        self.mother(rng, p)
        self.birth(rng, p)
        p.place = rng.choice(self.t.places_by_region[p.region]).index
        self.documents(rng, p)
        p.records = []
        p.kunya_son = -1
        return p

    def sibling(self, rng, q):
        p = self.new(rng, nat=q.nat, region=q.region)
        p.father, p.grand, p.family = q.father, q.grand, q.family
        p.mgiven, p.mfather, p.mfamily = q.mgiven, q.mfather, q.mfamily
        p.place = q.place
        p.y = max(1930, min(YEAR_NOW - 3, q.y + rng.below(25) - 12))
        if p.sex == "m" and p.given == q.given:
            p.given = self.male_name(rng, p.region)
        return p

    def parent(self, rng, q):
        """The father of q (None when q is too old to have a registered father)."""
        if q.y - 20 < 1935:
            return None
        p = self.new(rng, sex="m", nat=q.nat, region=q.region)
        p.given, p.father, p.family = q.father, q.grand, q.family
        p.y = q.y - 20 - rng.below(min(20, q.y - 20 - 1935 + 1))
        p.place = q.place if rng.chance(0.7) else p.place
        p.kunya_son = q.given if q.sex == "m" else -1
        return p

    def namesake(self, rng, q, family_too=0.5):
        """A different person carrying q's given, father and grandfather names."""
        p = self.new(rng, sex=q.sex, nat=q.nat, region=q.region)
        p.given, p.father, p.grand = q.given, q.father, q.grand
        if rng.chance(family_too):
            p.family = q.family
        return p


# -------------------------------------------------------------------- rendering


def latin_of(rng, name):
    return name.latin[rng.pick(name.cum)]


def article(rng, base, upper):
    """al-Jubouri, Al-Jubouri, Al Jubouri, Aljubouri, El-Jubouri or Jubouri."""
    r = rng.u()
    if r < 0.45:
        s = "al-" + base
    elif r < 0.62:
        s = "Al-" + base
    elif r < 0.72:
        s = "Al " + base
    elif r < 0.82:
        s = "Al" + base.lower()
    elif r < 0.85:
        s = "El-" + base
    else:
        s = base
    return s.upper() if upper else s


def arabic_noise(rng, text):
    """Clerical variation of Arabic script: hamza dropped on alif, final ة as ه, final ى as ي,
    `عبد ال...` written as one word."""
    if rng.chance(0.35):
        text = text.translate(HAMZA_FOLD)
    if rng.chance(0.1):
        text = " ".join(w[:-1] + "ه" if w.endswith("ة") else w for w in text.split(" "))
    if rng.chance(0.15):
        text = " ".join(w[:-1] + "ي" if w.endswith("ى") else w for w in text.split(" "))
    if rng.chance(0.3):
        text = text.replace("عبد ال", "عبدال")
    return text


class Renderer:
    def __init__(self, tables):
        self.t = tables

    def parts(self, rng, p, script, upper, drop_grand=False, family=None):
        """The name parts [given, father, grandfather, family] as strings in a script."""
        t = self.t
        gtab = t.male if p.sex == "m" else t.female
        fam = p.family if family is None else family
        if script == "ar":
            parts = [gtab[p.given].arabic, t.male[p.father].arabic,
                     "" if drop_grand else t.male[p.grand].arabic,
                     t.family[fam].arabic if fam >= 0 else ""]
            return [arabic_noise(rng, x) if x else "" for x in parts]
        parts = [latin_of(rng, gtab[p.given]), latin_of(rng, t.male[p.father]),
                 "" if drop_grand else latin_of(rng, t.male[p.grand]),
                 article(rng, latin_of(rng, t.family[fam]), upper) if fam >= 0 else ""]
        if upper:
            parts = [x.upper() for x in parts]
        return parts

    def mother(self, rng, p, script, detail):
        """detail: 0 none, 1 given only, 2 given + her father (Iraq) or family (Syria)."""
        if detail == 0:
            return ""
        t = self.t
        g = t.female[p.mgiven]
        if script == "ar":
            out = [g.arabic]
            if detail == 2:
                if p.nat == "SY" and p.mfamily >= 0:
                    out.append(t.family[p.mfamily].arabic)
                else:
                    out.append(t.male[p.mfather].arabic)
            return arabic_noise(rng, " ".join(out))
        out = [latin_of(rng, g)]
        if detail == 2:
            if p.nat == "SY" and p.mfamily >= 0:
                out.append(article(rng, latin_of(rng, t.family[p.mfamily]), False))
            else:
                out.append(latin_of(rng, t.male[p.mfather]))
        return " ".join(out)

    def place(self, rng, p, script):
        pl = self.t.places[p.place]
        return pl.arabic if script == "ar" else latin_of(rng, pl)

    def kunya(self, rng, p, script):
        """Abu X [al-NISBA] / Umm X."""
        t = self.t
        if p.kunya_son >= 0:
            son = p.kunya_son
        elif p.sex == "m" and p.given in t.kunya and rng.chance(0.6):
            son = rng.choice(t.kunya[p.given])
        else:
            son = rng.pick(t.male_cum[p.region])
        # nisbas only for men: the tables hold masculine forms (al-Mosuli, not al-Mosuliya)
        nis = rng.choice(t.nisba) if p.sex == "m" and rng.chance(0.6) else None
        if script == "ar":
            s = ("أبو " if p.sex == "m" else "أم ") + t.male[son].arabic
            if nis:
                s += " " + nis.arabic
            return arabic_noise(rng, s)
        if p.sex == "m":
            s = ("Abu", "Abu", "Abu", "Abou", "Abo")[rng.below(5)] + " " + latin_of(rng, t.male[son])
        else:
            s = ("Umm", "Umm", "Um", "Oum")[rng.below(4)] + " " + latin_of(rng, t.male[son])
        if nis:
            s += " " + article(rng, latin_of(rng, nis), False)
        return s


def date_str(y, m, d, style):
    if style == "full":
        return f"{y:04d}-{m:02d}-{d:02d}"
    if style == "year":
        return f"{y:04d}"
    if style == "about":
        return f"~{y:04d}"
    if style == "jan1":
        return f"{y:04d}-01-01"
    if style == "jul1":
        return f"{y:04d}-07-01"
    if style == "month":
        return f"{y:04d}-{m:02d}"
    if style == "range":
        return f"{y - 2:04d}..{y + 2:04d}"
    return ""


REG_DATE_STYLES = cumulative([45, 22, 6, 13, 7, 3, 1, 3])
LIST_DATE_STYLES = cumulative([30, 40, 10, 5, 2, 3, 5, 5])
DATE_STYLE_NAMES = ["full", "year", "about", "jan1", "jul1", "month", "range", "none"]


def typo(rng, text):
    """One-letter edit (substitution, deletion, insertion, transposition) in one token of
    four letters or more (particles such as al-/Abu are left alone)."""
    words = text.split(" ")
    cands = [i for i, w in enumerate(words)
             if len(w) >= 4 and w.lower() not in ("abu", "abou", "umm") and "," not in w]
    if not cands:
        return text, False
    i = rng.choice(cands)
    w = words[i]
    start = 3 if w.lower().startswith(("al-", "el-")) else 0
    if len(w) - start < 3:
        return text, False
    arabic = any("\u0600" <= c <= "\u06ff" for c in w)
    letters = ARABIC_LETTERS if arabic else LATIN_LETTERS
    j = start + 1 + rng.below(len(w) - start - 1)  # keep the first letter
    op = rng.below(4)
    new = rng.choice(letters)
    if w.isupper():
        new = new.upper()
    if op == 0:
        w = w[:j] + new + w[j + 1:]
    elif op == 1:
        w = w[:j] + w[j + 1:]
    elif op == 2:
        w = w[:j] + new + w[j:]
    elif j + 1 < len(w):
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    else:
        w = w[:j] + w[j:] + w[j]
    words[i] = w
    return " ".join(words), True


def format_doc(rng, doc):
    """A document number as a list might carry it: spaces or hyphens sometimes inserted."""
    r = rng.u()
    if r < 0.6 or len(doc) < 8:
        return doc
    if r < 0.8:
        return " ".join(doc[i:i + 4] for i in range(0, len(doc), 4))
    return "-".join(doc[i:i + 4] for i in range(0, len(doc), 4))


# ------------------------------------------------------------------- records


class Generator:
    def __init__(self, seed):
        self.t = Tables()
        self.world = World(self.t)
        self.rend = Renderer(self.t)
        self.seed = seed

    def registry_row(self, rng, p, rid):
        """One registration of person p: returns (row, script)."""
        t, rend = self.t, self.rend
        script = "ar" if rng.chance(0.55) else "la"
        upper = script == "la" and rng.chance(0.15)
        parts = rend.parts(rng, p, script, upper)
        name = " ".join(x for x in parts if x)
        layout = rng.u()  # name and parts / name only / parts only
        given = father = grand = fam = ""
        if layout < 0.5 or layout >= 0.9:
            given, father, grand, fam = parts
        if layout >= 0.9:
            name = ""
        aliases = ""
        if rng.chance(0.05):
            other = rend.parts(rng, p, "la" if script == "ar" else "ar", False)
            aliases = " ".join(x for x in other if x)
        weak = ""
        if p.sex == "f" and p.nat == "SY" and rng.chance(0.05):
            weak = rend.kunya(rng, p, script)
        mdetail = rng.pick(cumulative([5, 40, 55]))
        mother = rend.mother(rng, p, script, mdetail)
        style = DATE_STYLE_NAMES[rng.pick(REG_DATE_STYLES)]
        birth = date_str(p.y, p.m, p.d, style)
        r = rng.u()
        sex = "" if r < 0.02 else ({"m": "male", "f": "female"}[p.sex] if r < 0.07 else p.sex)
        place = rend.place(rng, p, script if rng.chance(0.9) else "la") if rng.chance(0.9) else ""
        r = rng.u()
        nat = p.nat if r < 0.9 else ({"IQ": "العراق", "SY": "سوريا"}[p.nat] if script == "ar"
                                     else {"IQ": "Iraq", "SY": "Syria"}[p.nat])
        docs = []
        if p.natid and rng.chance(0.8):
            docs.append("national_id:" + p.natid)
        if p.passport and rng.chance(0.7):
            docs.append("passport:" + p.passport)
        site_row = rng.choice(t.sites_by_country[p.nat])
        site = site_row[0] if script == "ar" else site_row[2]
        row = [rid, name, given, father, grand, fam, aliases, weak, mother, birth, sex, place,
               nat, ";".join(docs), site, ""]
        return row, script

    def list_true(self, rng, p, reg_script):
        """A list entry for registry person p, written differently. Returns (row, changes)."""
        t, rend = self.t, self.rend
        changes = []
        script = reg_script
        if rng.chance(0.5):
            script = "la" if reg_script == "ar" else "ar"
            changes.append("other_script")
        elif script == "la":
            changes.append("respelled")
        upper = script == "la" and rng.chance(0.4)
        drop_grand = rng.chance(0.25)
        if drop_grand:
            changes.append("no_grandfather")
        family = p.family
        if p.family < 0 and rng.chance(0.15):
            fams, cum = t.family_by_region[p.region]
            family = fams[rng.pick(cum)].index
            changes.append("family_added")
        elif p.family >= 0 and rng.chance(0.12):
            family = -1
            changes.append("family_dropped")
        parts = rend.parts(rng, p, script, upper, drop_grand=drop_grand, family=family)
        if script == "la" and rng.chance(0.15):
            last = parts[3] or parts[2]
            rest = [parts[0], parts[1]] + ([parts[2]] if parts[3] and parts[2] else [])
            if last:
                name = last.upper() + ", " + " ".join(x for x in rest if x)
                changes.append("last_first")
            else:
                name = " ".join(x for x in parts if x)
        else:
            name = " ".join(x for x in parts if x)
        if rng.chance(0.15):
            name, ok = typo(rng, name)
            if ok:
                changes.append("typo")
        aliases = ""
        if rng.chance(0.2):
            other = rend.parts(rng, p, "la" if script == "ar" else "ar", False,
                               drop_grand=drop_grand, family=family)
            aliases = " ".join(x for x in other if x)
            changes.append("alias_other_script")
        weak = ""
        if rng.chance(0.25):
            weak = rend.kunya(rng, p, script if rng.chance(0.8) else
                              ("la" if script == "ar" else "ar"))
            changes.append("kunya")
        y = p.y
        if rng.chance(0.12):
            y += 1 if rng.chance(0.5) else -1
            changes.append("year_off_by_one")
        style = DATE_STYLE_NAMES[rng.pick(LIST_DATE_STYLES)]
        if y != p.y and style in ("none", "range"):
            style = "year"
        birth = date_str(y, p.m, p.d, style)
        docs = ""
        if p.natid and rng.chance(0.1):
            docs = "national_id:" + format_doc(rng, p.natid)
            changes.append("document")
        row = self.list_common(rng, p, script, name, aliases, weak, birth, docs)
        return row, changes

    def list_common(self, rng, p, script, name, aliases, weak, birth, docs):
        rend = self.rend
        mother = rend.mother(rng, p, script, rng.pick(cumulative([60, 30, 10])))
        sex = p.sex if rng.chance(0.85) else ""
        place = rend.place(rng, p, script) if rng.chance(0.5) else ""
        nat = p.nat if rng.chance(0.8) else ""
        parts_layout = ["", "", "", ""]
        return ["", name] + parts_layout + [aliases, weak, mother, birth, sex, place, nat, docs,
                                            "", ""]

    def list_other(self, rng, p):
        """A list entry for a person who is not in the registry."""
        script = "ar" if rng.chance(0.3) else "la"
        upper = script == "la" and rng.chance(0.4)
        parts = self.rend.parts(rng, p, script, upper, drop_grand=rng.chance(0.2))
        name = " ".join(x for x in parts if x)
        weak = self.rend.kunya(rng, p, script) if rng.chance(0.25) else ""
        aliases = ""
        if rng.chance(0.2):
            other = self.rend.parts(rng, p, "la" if script == "ar" else "ar", False)
            aliases = " ".join(x for x in other if x)
        style = DATE_STYLE_NAMES[rng.pick(LIST_DATE_STYLES)]
        birth = date_str(p.y, p.m, p.d, style)
        return self.list_common(rng, p, script, name, aliases, weak, birth, "")

    def lookalike(self, rng, kind, q):
        """A different person resembling registry person q. Returns (person, note)."""
        w = self.world
        if kind == "namesake":
            p = w.namesake(rng, q)
            while abs(p.y - q.y) <= 1:
                w.birth(rng, p)
            return p, ""
        if kind == "given_father":
            p = w.namesake(rng, q, family_too=0.3)
            while p.grand == q.grand:
                p.grand = w.male_name(rng, p.region)
            return p, ""
        # hard negative: one of given / father / grandfather becomes a confusable other name
        p = w.namesake(rng, q, family_too=0.5)
        slots = []
        if (p.sex, p.given) in self.t.confusable:
            slots.append("given")
        if ("m", p.father) in self.t.confusable:
            slots.append("father")
        if ("m", p.grand) in self.t.confusable:
            slots.append("grand")
        if not slots:
            # no confusable name: a different given name of the same first letter instead
            slot = "given"
            table = self.t.male if p.sex == "m" else self.t.female
            first = table[p.given].latin[0][0]
            same = [n.index for n in table if n.latin[0][0] == first and n.index != p.given]
            p.given = rng.choice(same) if same else (p.given + 1) % len(table)
        else:
            slot = rng.choice(slots)
            if slot == "given":
                p.given = rng.choice(self.t.confusable[(p.sex, p.given)])
            elif slot == "father":
                p.father = rng.choice(self.t.confusable[("m", p.father)])
            else:
                p.grand = rng.choice(self.t.confusable[("m", p.grand)])
        if rng.chance(0.3):
            p.y = q.y  # same birth year: only the name tells them apart
        return p, slot


def sample_indices(rng, n, k):
    """k distinct integers in [0, n), deterministic."""
    k = min(k, n)
    if k > n // 2:
        idx = list(range(n))
        for i in range(k):
            j = i + rng.below(n - i)
            idx[i], idx[j] = idx[j], idx[i]
        return idx[:k]
    seen, out = set(), []
    while len(out) < k:
        x = rng.below(n)
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def generate(seed, n_reg, n_list, out_dir, quiet=False):
    t0 = time.monotonic()
    os.makedirs(out_dir, exist_ok=True)
    g = Generator(seed)
    reg_rng = Rand(seed * 4 + 1)
    pick_rng = Rand(seed * 4 + 2)
    list_rng = Rand(seed * 4 + 3)

    n_true = int(round(n_list * LIST_TRUE)) if n_reg else 0
    n_ns = int(round(n_list * LIST_NAMESAKE)) if n_reg else 0
    n_gf = int(round(n_list * LIST_GIVEN_FATHER)) if n_reg else 0
    n_hn = int(round(n_list * LIST_HARD_NEG)) if n_reg else 0
    picks = sample_indices(pick_rng, n_reg, n_true + n_ns + n_gf + n_hn)
    kinds = (["true"] * n_true + ["namesake"] * n_ns + ["given_father"] * n_gf
             + ["hard_negative"] * n_hn)
    wanted = {i: kinds[k] for k, i in enumerate(picks)}
    chosen = {}  # registry index -> (person, record id, script)

    stats = {"records": 0, "persons": 0, "reregistered": 0, "siblings": 0, "parents": 0,
             "namesakes": 0, "arabic_script": 0, "men": 0, "men_muhammad": 0,
             "with_family": 0}
    triples = {}  # (sex, given, father, grand) -> set of pids, over the first STATS_WINDOW
    width = max(7, len(str(n_reg)))
    reservoir = []
    prev = None
    w = g.world
    with open(os.path.join(out_dir, "registry.csv"), "w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(HEADER)
        for i in range(n_reg):
            rid = f"R{i + 1:0{width}d}"
            r = reg_rng.u()
            p = None
            if r < P_REREGISTER and reservoir:
                p = reservoir[reg_rng.below(len(reservoir))]
                stats["reregistered"] += 1
            elif r < P_REREGISTER + P_SIBLING and prev is not None:
                p = w.sibling(reg_rng, prev)
                stats["siblings"] += 1
            elif r < P_REREGISTER + P_SIBLING + P_PARENT and prev is not None:
                p = w.parent(reg_rng, prev)
                if p is not None:
                    stats["parents"] += 1
            elif r < P_REREGISTER + P_SIBLING + P_PARENT + P_NAMESAKE and reservoir:
                p = w.namesake(reg_rng, reservoir[reg_rng.below(len(reservoir))])
                stats["namesakes"] += 1
            if p is None:
                p = w.new(reg_rng)
            if not p.records:
                stats["persons"] += 1
                if p.sex == "m":
                    stats["men"] += 1
                    stats["men_muhammad"] += p.given == 0
                stats["with_family"] += p.family >= 0
                if i < STATS_WINDOW:
                    triples.setdefault((p.sex, p.given, p.father, p.grand), set()).add(p.pid)
                if len(reservoir) < RESERVOIR:
                    reservoir.append(p)
                else:
                    reservoir[reg_rng.below(RESERVOIR)] = p
            p.records.append(rid)
            row, script = g.registry_row(reg_rng, p, rid)
            stats["arabic_script"] += script == "ar"
            stats["records"] += 1
            wr.writerow(row)
            if i in wanted:
                chosen[i] = (p, rid, script)
            prev = p

    # the list: shuffle the kinds, then write entries one by one
    specs = [(wanted[i], i) for i in picks]
    specs += [("unrelated", -1)] * (n_list - len(specs))
    for k in range(len(specs) - 1, 0, -1):
        j = list_rng.below(k + 1)
        specs[k], specs[j] = specs[j], specs[k]
    lwidth = max(6, len(str(n_list)))
    truth_rows = 0
    kind_counts = {}
    with open(os.path.join(out_dir, "list.csv"), "w", encoding="utf-8", newline="") as fl, \
            open(os.path.join(out_dir, "truth.csv"), "w", encoding="utf-8", newline="") as ft, \
            open(os.path.join(out_dir, "list_meta.csv"), "w", encoding="utf-8",
                 newline="") as fm:
        wl = csv.writer(fl, lineterminator="\n")
        wt = csv.writer(ft, lineterminator="\n")
        wm = csv.writer(fm, lineterminator="\n")
        wl.writerow(HEADER)
        wt.writerow(["record_id", "list_id"])
        wm.writerow(["list_id", "kind", "from_record", "changes"])
        for n, (kind, i) in enumerate(specs):
            lid = f"L{n + 1:0{lwidth}d}"
            kind_counts[kind] = kind_counts.get(kind, 0) + 1
            if kind == "true":
                p, rid, script = chosen[i]
                row, changes = g.list_true(list_rng, p, script)
                for rec in p.records:
                    wt.writerow([rec, lid])
                    truth_rows += 1
                meta = [lid, kind, rid, "+".join(changes)]
            elif kind == "unrelated":
                p = w.new(list_rng)
                row = g.list_other(list_rng, p)
                meta = [lid, kind, "", ""]
            else:
                q, rid, _ = chosen[i]
                p, note = g.lookalike(list_rng, kind, q)
                row = g.list_other(list_rng, p)
                meta = [lid, kind, rid, note]
            row[0] = lid
            wl.writerow(row)
            wm.writerow(meta)

    shared = sum(1 for s in triples.values() if len(s) > 1)
    in_shared = sum(len(s) for s in triples.values() if len(s) > 1)
    summary = {
        "registry_records": stats["records"],
        "registry_persons": stats["persons"],
        "reregistrations": stats["reregistered"],
        "siblings": stats["siblings"],
        "fathers_of_previous": stats["parents"],
        "deliberate_namesakes": stats["namesakes"],
        "arabic_script_share": round(stats["arabic_script"] / max(1, stats["records"]), 3),
        "muhammad_share_of_men": round(stats["men_muhammad"] / max(1, stats["men"]), 3),
        "family_name_share": round(stats["with_family"] / max(1, stats["persons"]), 3),
        "namesake_triples": shared,
        "persons_in_namesake_triples": in_shared,
        "namesake_window": min(n_reg, STATS_WINDOW),
        "list_entries": n_list,
        "list_kinds": kind_counts,
        "true_pairs": truth_rows,
        "seconds": round(time.monotonic() - t0, 1),
    }
    if not quiet:
        for k, v in summary.items():
            print(f"{k}: {v}", file=sys.stderr)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--registry", type=int, default=20000, help="registry records (default 20000)")
    ap.add_argument("--list", type=int, default=2000, help="list entries (default 2000)")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    args = ap.parse_args(argv)
    if args.registry < 0 or args.list < 0 or args.seed < 0:
        ap.error("--seed, --registry and --list must be >= 0")
    generate(args.seed, args.registry, args.list, args.out, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
