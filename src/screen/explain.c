// SPDX-License-Identifier: Apache-2.0
// An alert's explanation as one line of compact text, built from the same alignment and
// field levels that produced the score (never reconstructed afterwards):
//
//   name 0.97 strong +9.1b [ahmad=أحمد translit 0.96, ali=علي exact 1.00, +al-tikriti list only]
//   rarity -1.2b; birth_date year +4.9b; sex agree +1.0b; mother missing; prior -6.6b;
//   score 0.9412
#include <string.h>

#include "records/evidence.h"
#include "util/util_int.h"

static void explain_side(tby_buf *buf, const tby_name *name, unsigned first, unsigned count)
{
    for (unsigned i = first; i < first + count; i++) {
        if (i > first)
            tby__buf_putc(buf, ' ');
        tby__buf_puts(buf, tby_name_part_at(name, i)->form);
    }
}

int tby_alert_explain(char **out, const tby_alert *a)
{
    TBY_ASSERT_ARG(out && a);
    tby_buf buf = TBY_BUF_INIT(64 * 1024);
    const tby_evidence *name = &a->fields[TBY_EVIDENCE_NAME];
    tby__buf_printf(&buf, "name %.2f %s %+.1fb [", a->name_match.score, name->level_name,
                    name->bits);
    for (size_t k = 0; k < a->name_match.link_count; k++) {
        const tby_name_link *l = &a->name_match.links[k];
        if (k)
            tby__buf_puts(&buf, ", ");
        if (l->a_count && l->b_count) {
            explain_side(&buf, a->record_parsed, l->a_first, l->a_count);
            tby__buf_putc(&buf, '=');
            explain_side(&buf, a->entry_parsed, l->b_first, l->b_count);
            tby__buf_printf(&buf, " %s %.2f", tby_tier_name(l->tier), l->similarity);
        } else if (l->a_count) {
            tby__buf_putc(&buf, '+');
            explain_side(&buf, a->record_parsed, l->a_first, l->a_count);
            tby__buf_puts(&buf, " record only");
        } else {
            tby__buf_putc(&buf, '+');
            explain_side(&buf, a->entry_parsed, l->b_first, l->b_count);
            tby__buf_puts(&buf, " list only");
        }
    }
    tby__buf_printf(&buf, "]; rarity %+.1fb", a->name_frequency_bits);
    for (int f = 1; f < TBY_EVIDENCE_COUNT; f++) {
        const tby_evidence *ev = &a->fields[f];
        tby__buf_printf(&buf, "; %s %s", tby_evidence_field_name((tby_evidence_field)f),
                        ev->level_name);
        if (ev->level)
            tby__buf_printf(&buf, " %+.1fb", ev->bits);
    }
    if (a->weak_alias_agrees)
        tby__buf_puts(&buf, "; weak alias agrees +1.0b");
    tby__buf_printf(&buf, "; prior %+.1fb; score %.4f", a->prior_bits, a->score);
    if (!buf.ptr)
        return TBY_ENOMEM;
    *out = tby__buf_detach(&buf);
    return *out ? TBY_OK : TBY_ENOMEM;
}
