#ifndef SOL_CBLAS_SHIM_H
#define SOL_CBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS threading control (declared in OpenBLAS's cblas.h). */
static inline void sol_openblas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int sol_openblas_get_threads(void) { return openblas_get_num_threads(); }
#endif
