/*
 * sol_solver.h: the C ABI of a source-solver plug-in for `sol train|eval --source-lib LIB.so`.
 *
 * A plug-in replaces the source (low-fidelity) solver P of a dataset (`sol train|eval`), or the
 * reference solver of `sol generate --reference-lib` (role "reference"): sol loads the shared
 * library with dlopen, creates one solver instance per batch composition (the per-item physical
 * parameters of a mini-batch), and calls sol_solver_step on whole batches of float32 states
 * [batch, channels, height, width] (row-major, 1D problems have height 1). Everything else
 * (grid, channels, dt, parameters, the corrector's padding) comes from the dataset.
 * Walk-through and a complete Burgers example: docs/own-solver.md, examples/c/burgers_solver.c.
 *
 * Rules:
 *  - sol_solver_step advances every state by one frame (dt) in place and returns 0, or returns
 *    non-zero and leaves a message for sol_solver_error. It must be deterministic bit for bit and
 *    smooth in its input (a zeroth-order gradient divides tiny loss changes by a small step).
 *  - Instances are independent: sol steps different instances on different threads at once
 *    (one per worker), never one instance on two threads. sol serialises every call of
 *    sol_solver_create and sol_solver_destroy (so FFTW planning there needs no lock).
 *  - Strings and arrays of the config are valid only during sol_solver_create: copy what you keep.
 *  - A crash in a plug-in ends sol; no timeout applies. Use `--source-cmd` (a separate process,
 *    protocol in docs/own-solver.md) for isolation and timeouts.
 */
#ifndef SOL_SOLVER_H
#define SOL_SOLVER_H

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define SOL_SOLVER_ABI_VERSION 1

/* What sol tells a new instance. */
typedef struct sol_solver_config {
    int abi_version;                     /* SOL_SOLVER_ABI_VERSION of the calling sol */
    int batch;                           /* states per step call */
    int channels, height, width;         /* state shape [channels, height, width] */
    double dt;                           /* physical time of one step (one frame) */
    int parameter_count;                 /* parameters per batch item */
    const char *const *parameter_names;  /* parameter_count names, e.g. "viscosity" */
    const double *parameters;            /* batch x parameter_count values, item-major */
    const char *scenario;                /* the dataset's scenario, e.g. "burgers" */
    const char *config_json;             /* the dataset's scenario configuration (JSON object) */
    const char *role;                    /* "source" (train, eval: the coarse grid) or
                                            "reference" (sol generate: the fine grid) */
} sol_solver_config;

/* Returns SOL_SOLVER_ABI_VERSION of the header the plug-in was built with. */
int sol_solver_abi_version(void);

/* A new instance for config, or NULL with a message written to error (at most error_capacity
 * bytes, NUL-terminated). */
void *sol_solver_create(const sol_solver_config *config, char *error, int error_capacity);

/* Advances states [batch, channels, height, width] by one step in place; 0 on success. */
int sol_solver_step(void *solver, float *states, int batch);

/* The message of the last failed step (valid until the next call on this instance). */
const char *sol_solver_error(void *solver);

/* Releases an instance. */
void sol_solver_destroy(void *solver);

#ifdef __cplusplus
}
#endif

#endif /* SOL_SOLVER_H */
