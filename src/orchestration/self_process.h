// The running banksim process: its binary, and the one restart it may make of itself.
// Orchestration layer (banksim_orchestration), built with or without gRPC: GrpcCluster
// starts children from self_executable(), and main() (src/cli) restarts itself through it.
#pragma once

#include <string>

namespace banksim {

// The path of the running banksim binary (/proc/self/exe), or "banksim" when it cannot be
// read (then found on PATH).
std::string self_executable();

// Loading a scenario and running it on a VM spend much of their time in page faults on
// fresh heap. With malloc on transparent huge pages a large run takes about two thirds of
// the time (13 MB scenario, 2.1M messages: 1.37 -> 1.06 s) for ~10% more peak memory.
// glibc reads GLIBC_TUNABLES only when a process starts, so for an `input` file of 4 MiB
// or more this re-execs the binary once with glibc.malloc.hugetlb=1 added (a restart costs
// ~20 ms: not worth it for small inputs). It returns only when it did not restart: a
// tunable the user set wins (glibc.malloc.hugetlb=0 opts out), valgrind is left alone
// (its tools would stop following the process), and a failed exec changes nothing.
void restart_with_huge_page_malloc(const std::string& input, char** argv);

}  // namespace banksim
