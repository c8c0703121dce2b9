/*
 * A Burgers solver as a sol plug-in: `sol train|eval --source-lib ./libburgers_solver.so`, also the
 * reference solver of `sol generate --scenario burgers --reference-lib ./libburgers_solver.so`.
 * Implements the C ABI of include/sol_solver.h with the in-process `burgers` source solver's
 * scheme (Sources/Solver/Burgers): u_t + u u_x = nu u_xx, periodic, pseudo-spectral with 2/3
 * dealiasing, ETDRK4 with Kassam & Trefethen's contour coefficients (M = 32, in double, stored in
 * float), FFTW single-precision single-field plans, float32 arithmetic in the same order.
 * Build (docs/own-solver.md):
 *   cc -O2 -ffp-contract=off -fPIC -shared -I include examples/c/burgers_solver.c -lfftw3f -lm \
 *      -o libburgers_solver.so
 */
#include <fftw3.h>    /* before complex.h: fftwf_complex stays float[2] */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sol_solver.h"

typedef struct {
    int n, modes, batch, substeps;
    float *e, *e2, *q, *f1, *f2, *f3, *g;       /* coefficients: batch x modes (g: modes) */
    fftwf_complex *v, *nv, *na, *nb, *nc, *a, *b, *c, *t; /* spectra: batch x modes */
    float *r, *u;                                /* aligned real field, a field of scratch */
    fftwf_complex *s;                            /* aligned half spectrum */
    fftwf_plan r2c, c2r;
    char error[256];
} burgers;

int sol_solver_abi_version(void) { return SOL_SOLVER_ABI_VERSION; }

/* A number of the scenario configuration: "key":value in the JSON object (flat keys suffice). */
static double config_number(const char *json, const char *key, double fallback) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at ? strtod(at + strlen(pattern), NULL) : fallback;
}

static void forward(burgers *s, const float *u, fftwf_complex *out) {     /* F u */
    memcpy(s->r, u, sizeof(float) * s->n);
    fftwf_execute_dft_r2c(s->r2c, s->r, s->s);
    memcpy(out, s->s, sizeof(fftwf_complex) * s->modes);
}

static void inverse(burgers *s, const fftwf_complex *x, float *out) {     /* unnormalised F^-1 x */
    memcpy(s->s, x, sizeof(fftwf_complex) * s->modes);
    fftwf_execute_dft_c2r(s->c2r, s->s, s->r);
    memcpy(out, s->r, sizeof(float) * s->n);
}

/* N(x) = -1/2 d/dx P(u^2) in Fourier space, for every item. */
static void nonlinear(burgers *s, fftwf_complex *x, fftwf_complex *out) {
    float *u = s->u;
    for (int b = 0; b < s->batch; b++) {
        inverse(s, x + b * s->modes, u);
        for (int i = 0; i < s->n; i++) u[i] *= u[i];
        forward(s, u, out + b * s->modes);
        for (int m = 0; m < s->modes; m++) {
            float *z = (float *)out[b * s->modes + m], gi = s->g[m], re = z[0];
            z[0] = -gi * z[1]; z[1] = gi * re;
        }
    }
}

void *sol_solver_create(const sol_solver_config *config, char *error, int capacity) {
    if (config->channels != 1 || config->height != 1 || strcmp(config->scenario, "burgers") != 0 ||
        config->parameter_count < 1 || strcmp(config->parameter_names[0], "viscosity") != 0) {
        snprintf(error, capacity, "this example steps burgers states [B, 1, 1, N] with a viscosity");
        return NULL;
    }
    if (strstr(config->config_json, "\"timeStepper\":\"etdrk2\"")) {
        snprintf(error, capacity, "this example steps with ETDRK4 only; the dataset uses ETDRK2");
        return NULL;
    }
    burgers *s = calloc(1, sizeof *s);
    int n = config->width, modes = n / 2 + 1, count = config->batch * modes;
    double length = config_number(config->config_json, "length", 2 * M_PI);
    s->n = n; s->modes = modes; s->batch = config->batch;
    int reference = config->role && strcmp(config->role, "reference") == 0;   /* sol generate --reference-lib */
    s->substeps = (int)config_number(config->config_json, reference ? "referenceSubsteps" : "sourceSubsteps", 1);
    double h = config->dt / s->substeps;
    float **coefficients[] = {&s->e, &s->e2, &s->q, &s->f1, &s->f2, &s->f3};
    for (int i = 0; i < 6; i++) *coefficients[i] = malloc(sizeof(float) * count);
    fftwf_complex **spectra[] = {&s->v, &s->nv, &s->na, &s->nb, &s->nc, &s->a, &s->b, &s->c, &s->t};
    for (int i = 0; i < 9; i++) *spectra[i] = fftwf_malloc(sizeof(fftwf_complex) * count);
    s->g = malloc(sizeof(float) * modes);
    for (int m = 0; m < modes; m++) {
        double kd = m == n / 2 ? 0 : 2 * M_PI * m / length, mask = 3 * m < n ? 1 : 0;
        s->g[m] = (float)(-0.5 * kd * mask * (1.0 / ((double)n * n)));
    }
    for (int b = 0; b < config->batch; b++) {
        double nu = config->parameters[b * config->parameter_count];
        for (int m = 0; m < modes; m++) {
            double k = 2 * M_PI * m / length, hl = h * (-nu * (k * k)), sq = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int j = 1; j <= 32; j++) {
                double complex r = hl + cexp(I * M_PI * (j - 0.5) / 32), er = cexp(r), er2 = cexp(r / 2);
                double complex r2 = r * r, r3 = r2 * r;
                sq += creal((er2 - 1) / r);
                s1 += creal((-4 - r + er * (4 - 3 * r + r2)) / r3);
                s2 += creal((2 + r + er * (r - 2)) / r3);
                s3 += creal((-4 - 3 * r - r2 + er * (4 - r)) / r3);
            }
            int i = b * modes + m;
            s->e[i] = (float)exp(hl); s->e2[i] = (float)exp(hl / 2); s->q[i] = (float)(h * sq / 32);
            s->f1[i] = (float)(h * s1 / 32); s->f2[i] = (float)(h * s2 / 32); s->f3[i] = (float)(h * s3 / 32);
        }
    }
    s->r = fftwf_malloc(sizeof(float) * n);
    s->u = malloc(sizeof(float) * n);
    s->s = fftwf_malloc(sizeof(fftwf_complex) * modes);
    s->r2c = fftwf_plan_dft_r2c_1d(n, s->r, s->s, FFTW_ESTIMATE);
    s->c2r = fftwf_plan_dft_c2r_1d(n, s->s, s->r, FFTW_ESTIMATE);
    return s;
}

/* a = x * y + z * w, component-wise on complex numbers with real coefficients x and z */
#define LIN(out, x, y, z, w) do { (out)[0] = (x) * (y)[0] + (z) * (w)[0]; (out)[1] = (x) * (y)[1] + (z) * (w)[1]; } while (0)

int sol_solver_step(void *solver, float *states, int batch) {
    burgers *s = solver;
    if (batch != s->batch) { snprintf(s->error, sizeof s->error, "batch %d, created for %d", batch, s->batch); return 1; }
    int count = batch * s->modes;
    for (int b = 0; b < batch; b++) forward(s, states + b * s->n, s->v + b * s->modes);
    for (int k = 0; k < s->substeps; k++) {
        nonlinear(s, s->v, s->nv);
        for (int i = 0; i < count; i++) LIN(s->a[i], s->e2[i], s->v[i], s->q[i], s->nv[i]);
        nonlinear(s, s->a, s->na);
        for (int i = 0; i < count; i++) LIN(s->b[i], s->e2[i], s->v[i], s->q[i], s->na[i]);
        nonlinear(s, s->b, s->nb);
        for (int i = 0; i < count; i++) {
            float t[2] = {2 * s->nb[i][0] - s->nv[i][0], 2 * s->nb[i][1] - s->nv[i][1]};
            LIN(s->c[i], s->e2[i], s->a[i], s->q[i], t);
        }
        nonlinear(s, s->c, s->nc);
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < 2; p++) {
                float sum = s->na[i][p] + s->nb[i][p];
                s->v[i][p] = s->e[i] * s->v[i][p] + s->f1[i] * s->nv[i][p] + 2 * s->f2[i] * sum + s->f3[i] * s->nc[i][p];
            }
        }
    }
    float scale = 1.0f / (float)s->n;
    for (int b = 0; b < batch; b++) {
        inverse(s, s->v + b * s->modes, states + b * s->n);
        for (int i = 0; i < s->n; i++) states[b * s->n + i] *= scale;
    }
    return 0;
}

const char *sol_solver_error(void *solver) { return ((burgers *)solver)->error; }

void sol_solver_destroy(void *solver) {
    burgers *s = solver;
    fftwf_destroy_plan(s->r2c); fftwf_destroy_plan(s->c2r);
    float *floats[] = {s->e, s->e2, s->q, s->f1, s->f2, s->f3, s->g, s->u};
    for (int i = 0; i < 8; i++) free(floats[i]);
    fftwf_complex *spectra[] = {s->v, s->nv, s->na, s->nb, s->nc, s->a, s->b, s->c, s->t};
    for (int i = 0; i < 9; i++) fftwf_free(spectra[i]);
    fftwf_free(s->r); fftwf_free(s->s); free(s);
}
