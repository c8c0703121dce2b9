#ifndef SOL_CMPI_SHIM_H
#define SOL_CMPI_SHIM_H
#include <mpi.h>
/* Open MPI's predefined handles are macros over global objects; wrap them for Swift. */
static inline MPI_Comm sol_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype sol_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype sol_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sol_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype sol_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op sol_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sol_mpi_max(void) { return MPI_MAX; }
static inline void *sol_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int sol_mpi_success(void) { return MPI_SUCCESS; }
static inline int sol_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
#endif
