// SPDX-License-Identifier: Apache-2.0
// Printable names of the name engine's enums (roles, tiers, scripts), shared by the CLI,
// explanations and tests.
#include "tabayyun/tby_names.h"

const char *tby_role_name(tby_role role)
{
    switch (role) {
    case TBY_ROLE_UNKNOWN:
        return "unknown";
    case TBY_ROLE_GIVEN:
        return "given";
    case TBY_ROLE_FATHER:
        return "father";
    case TBY_ROLE_GRANDFATHER:
        return "grandfather";
    case TBY_ROLE_ANCESTOR:
        return "ancestor";
    case TBY_ROLE_FAMILY:
        return "family";
    case TBY_ROLE_NISBA:
        return "nisba";
    case TBY_ROLE_KUNYA:
        return "kunya";
    }
    return "unknown";
}

const char *tby_tier_name(tby_tier tier)
{
    switch (tier) {
    case TBY_TIER_NONE:
        return "none";
    case TBY_TIER_EXACT:
        return "exact";
    case TBY_TIER_SPELLING:
        return "spelling";
    case TBY_TIER_TRANSLIT:
        return "transliteration";
    case TBY_TIER_EDIT:
        return "edit";
    }
    return "none";
}

const char *tby_script_name(tby_script script)
{
    switch (script) {
    case TBY_SCRIPT_NONE:
        return "none";
    case TBY_SCRIPT_LATIN:
        return "latin";
    case TBY_SCRIPT_ARABIC:
        return "arabic";
    case TBY_SCRIPT_OTHER:
        return "other";
    case TBY_SCRIPT_MIXED:
        return "mixed";
    }
    return "none";
}
