#pragma once
// How libtorch's idle intra-op threads wait. libgomp (the OpenMP of PyPI's torch) lets a thread
// that finished its share of a parallel region spin before it sleeps. On a machine whose cores
// are shared (a login node, a CI box, CPU ranks next to other jobs) the spinning threads take the
// cores the working ones need: on a 2-core machine with one or both cores busy, a CPU rank took
// 1.5x to 2.4x as long with spinning threads as with sleeping ones (bench/busy_cores.sh), and
// 36x in one report. Ranks therefore wait passively unless the user chose otherwise; on an idle
// machine that costs 18% on a 100M model (a sleeping thread wakes slower than a spinning one).
//
// The thread count is not adapted to the load instead: it changes the float results (1 against 2
// threads moved log-probabilities by 1e-6 on a 100M model), so results would depend on what else
// ran on the machine, and a resumed run would no longer match an uninterrupted one.
#include <string>

namespace mmlu {

class StopSignals;

// Unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set, re-executes this program with
// OMP_WAIT_POLICY=passive: the OpenMP runtime reads its environment once, as it loads, before
// main, so only a fresh image of the process sees the change. Call it first thing in main, after
// the stop handlers are installed and before MPI starts. The exec keeps the process id, its
// arguments, its CPU binding and the launcher's environment; SIGTERM and SIGUSR1 are blocked
// across it and stay pending, so a stop that arrives meanwhile is handled by the new image.
// Returns without exec when a stop was already requested or when the exec fails (the run then
// goes on with the runtime's default waiting).
void wait_passively_unless_chosen(char** argv, const StopSignals& signals);

// The waiting this process runs with, for the provenance: OMP_WAIT_POLICY's value,
// "GOMP_SPINCOUNT=N" when that was set instead, or "default" when neither is.
std::string openmp_wait_policy();

}  // namespace mmlu
