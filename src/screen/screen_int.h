/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/screen for the shells (the CLI and the server): an alert as a
 * JSON object, so that `tabayyun screen --json` and the server's POST /v1/screen give the
 * same structure from one serialiser. Not public: jansson's types stay out of the API.
 */
#ifndef TBY_SCREEN_INT_H
#define TBY_SCREEN_INT_H

#include "tabayyun/tby_screen.h"

struct json_t;

/*
 * The alert as a new JSON object: list_id, score, grade, matched_name, record_name,
 * name_parts (record and list forms of each aligned part with tier, similarity and weight),
 * fields (level and bits of each evidence field), name_rarity_bits, prior_bits and
 * weak_alias_agrees. Returns NULL when out of memory; the caller owns the reference.
 */
struct json_t *tby_screen__alert_json(const tby_alert *alert);

#endif
