/* acme_c_models.h — the factories of the acme.c_models plugin, one per
 * file; black76.c holds the descriptor that lists them. */
#ifndef ACME_C_MODELS_H
#define ACME_C_MODELS_H

#include <keel/keel.h>

extern const keel_factory_t acme_book_imbalance_factory; /* book_imbalance.c */

#endif
