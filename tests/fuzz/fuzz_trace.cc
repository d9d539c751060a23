// libFuzzer entry point: one input to the trace loader (see fuzz_inputs.h). Built by
// tools/fuzz with clang (-fsanitize=fuzzer,address,undefined) in build-fuzz/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  banksim::fuzz_trace_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
