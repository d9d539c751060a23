// `banksim serve`: one branch as its own process, running the same Branch state machine
// the simulator runs and exchanging the same protobuf messages with its peers over gRPC.
// The options live in grpc_options.h; this header is what main.cc includes.
#pragma once

#include "cli/grpc_options.h"
