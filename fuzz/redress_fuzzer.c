// SPDX-License-Identifier: Apache-2.0
// Fuzz target for redress references as a person types them (tby_redress_ref_normalize, the
// first code that sees the text a person hands to `tabayyun redress` or, later, a web form).
// Besides crashes it checks the normaliser's promises: what it accepts comes out in the one
// canonical shape, "TBY-" and three groups of four Crockford base-32 characters, and
// normalising that again gives it back unchanged; what it refuses leaves an empty string.
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tby_store.h"
#include "util/util_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = tby__malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char out[TBY_REDRESS_REF_LEN];
    int rc = tby_redress_ref_normalize(out, text);
    if (rc) {
        TBY_ASSERT(rc == TBY_EINVALID);
        TBY_ASSERT(out[0] == '\0');
    } else {
        TBY_ASSERT(strlen(out) == TBY_REDRESS_REF_LEN - 1);
        TBY_ASSERT(!strncmp(out, "TBY", 3));
        for (size_t i = 3; i < TBY_REDRESS_REF_LEN - 1; i++) {
            if ((i - 3) % 5 == 0)
                TBY_ASSERT(out[i] == '-');
            else
                TBY_ASSERT(out[i] != '\0' && strchr(crockford, out[i]) != NULL);
        }
        char again[TBY_REDRESS_REF_LEN];
        TBY_ASSERT(tby_redress_ref_normalize(again, out) == 0);
        TBY_ASSERT(!strcmp(again, out));
    }
    tby__free(text);
    return 0;
}
