// Reading another implementation's output for `banksim check`: the seed output forms
// (recv, balance, events; see ../shared/seeds/README.md) and banksim's own history
// (`run --history`, or the "history" of `run --format json`), validated against the
// scenario they claim to come from. Every failure is an Error "FILE: JSON_PATH: rule",
// never an exception or an assert.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "sim/error.h"
#include "sim/output_judge.h"
#include "sim/scenario.h"

namespace banksim {

enum class OutputForm : uint8_t {
  kRecv = 0,     // seeds 000/001: [{"id","recv":[{"interface","result","money"?}]}]
  kBalance = 1,  // seed 002: [{"id","balance"}], the balance of each customer's last query
  kEvents = 2,   // seed 004: one record per event {"id","recv":[{"interface","branch",...}]}
  kHistory = 3,  // banksim's history: [{"time_us","kind","customer","event",...}]
};

std::optional<OutputForm> parse_output_form(std::string_view s);
const char* output_form_name(OutputForm f);

constexpr int64_t kMaxOutputBytes = 256LL << 20;

struct OutputRead {
  OutputForm form = OutputForm::kRecv;
  ClientObservations observations;
};

// `form`: nullopt = recognise it from the content (an empty list: the form the scenario's
// input form implies). `source` names the document in errors.
Result<OutputRead> read_output(const nlohmann::json& doc, const Scenario& s,
                               std::optional<OutputForm> form, const std::string& source);
Result<OutputRead> load_output_file(const std::string& path, const Scenario& s,
                                    std::optional<OutputForm> form);

}  // namespace banksim
