/* SPDX-License-Identifier: Apache-2.0 */
/* Umbrella header: include this to use the whole public API of libtabayyun. */
#ifndef TABAYYUN_H
#define TABAYYUN_H

#include "tby_common.h"
#include "tby_names.h"
#include "tby_record.h"
#include "tby_io.h"
#include "tby_lists.h"
#include "tby_screen.h"
#include "tby_store.h"
#include "tby_store_access.h"
#include "tby_monitor.h"

#endif
