// SPDX-License-Identifier: Apache-2.0
// An alert as a JSON object (screen_int.h), shared by `tabayyun screen --json` and the
// server. The fields are the ones tby_alert_explain writes as text, with their structure kept.
#include <jansson.h>

#include "screen/screen_int.h"

/* The record's and the list's forms of one aligned group of parts. */
static json_t *alert_json_link(const tby_alert *a, const tby_name_link *l)
{
    json_t *row = json_object();
    json_t *mine = json_array(), *theirs = json_array();
    int bad = !row || !mine || !theirs;
    for (unsigned i = l->a_first; mine && i < l->a_first + l->a_count; i++)
        bad |=
            json_array_append_new(mine, json_string(tby_name_part_at(a->record_parsed, i)->form));
    for (unsigned i = l->b_first; theirs && i < l->b_first + l->b_count; i++)
        bad |=
            json_array_append_new(theirs, json_string(tby_name_part_at(a->entry_parsed, i)->form));
    if (bad) {
        json_decref(row);
        json_decref(mine);
        json_decref(theirs);
        return NULL;
    }
    bad |= json_object_set_new(row, "record", mine);
    bad |= json_object_set_new(row, "list", theirs);
    bad |= json_object_set_new(row, "tier", json_string(tby_tier_name(l->tier)));
    bad |= json_object_set_new(row, "similarity", json_real(l->similarity));
    bad |= json_object_set_new(row, "weight", json_real(l->weight));
    if (bad) {
        json_decref(row);
        return NULL;
    }
    return row;
}

json_t *tby_screen__alert_json(const tby_alert *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    /* jansson's setters fail (and do nothing) when given NULL, which is what a constructor
     * returns when out of memory: collect the failures rather than send half an alert. */
    int bad = 0;
    bad |= json_object_set_new(o, "list_id", json_string(a->entry->id));
    bad |= json_object_set_new(o, "score", json_real(a->score));
    bad |= json_object_set_new(o, "grade", json_string(tby_grade_name(a->grade)));
    bad |= json_object_set_new(o, "matched_name", json_string(a->matched_name));
    bad |= json_object_set_new(o, "record_name", json_string(a->record_name));
    json_t *parts = json_array();
    for (size_t k = 0; parts && k < a->name_match.link_count; k++)
        bad |= json_array_append_new(parts, alert_json_link(a, &a->name_match.links[k]));
    bad |= json_object_set_new(o, "name_parts", parts);
    json_t *fields = json_object();
    for (int f = 0; fields && f < TBY_EVIDENCE_COUNT; f++) {
        json_t *ev = json_object();
        if (ev) {
            bad |= json_object_set_new(ev, "level", json_string(a->fields[f].level_name));
            bad |= json_object_set_new(ev, "bits", json_real(a->fields[f].bits));
        }
        bad |= json_object_set_new(fields, tby_evidence_field_name((tby_evidence_field)f), ev);
    }
    bad |= json_object_set_new(o, "fields", fields);
    bad |= json_object_set_new(o, "name_rarity_bits", json_real(a->name_frequency_bits));
    bad |= json_object_set_new(o, "prior_bits", json_real(a->prior_bits));
    bad |= json_object_set_new(o, "weak_alias_agrees", json_boolean(a->weak_alias_agrees));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
