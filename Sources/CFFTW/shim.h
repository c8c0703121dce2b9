#ifndef SOL_CFFTW_SHIM_H
#define SOL_CFFTW_SHIM_H
#include <fftw3.h>

/* Planner flags and r2r kinds are plain enums/macros of integer type; expose them as functions
   so that Swift sees one consistent type. */
static inline unsigned sol_fftw_estimate(void) { return FFTW_ESTIMATE; }
static inline unsigned sol_fftw_measure(void) { return FFTW_MEASURE; }
static inline unsigned sol_fftw_patient(void) { return FFTW_PATIENT; }
static inline unsigned sol_fftw_unaligned(void) { return FFTW_UNALIGNED; }
static inline unsigned sol_fftw_preserve_input(void) { return FFTW_PRESERVE_INPUT; }
static inline unsigned sol_fftw_destroy_input(void) { return FFTW_DESTROY_INPUT; }
static inline int sol_fftw_forward(void) { return FFTW_FORWARD; }
static inline int sol_fftw_backward(void) { return FFTW_BACKWARD; }
#endif
