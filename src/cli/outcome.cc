#include "cli/outcome.h"

#include <cassert>
#include <cstdio>

#include <fmt/format.h>

#include "cli/settings.h"

namespace banksim {

void add_output_flags(CLI::App& cmd, OutputArgs& args) {
  cmd.add_option("--format", args.format,
                 "Results format: auto (by input form), recv (seeds 000/001), balance (seed "
                 "002), events (seed 004), json (everything, with history and verdicts)");
  cmd.add_option("-o,--output", args.output,
                 "Write the results to FILE instead of after the summary ('-': results alone "
                 "on stdout)");
  cmd.add_option("--history", args.history, "Also write the history alone to FILE (JSON)");
  cmd.add_flag("--debug", args.debug,
               "Print a step-by-step timeline and the write sets per branch");
}

bool validate_output_flags(const OutputArgs& args) {
  if (!parse_format(args.format)) {
    fmt::print(stderr,
               "banksim: --format: unknown format \"{}\" (expected auto, recv, balance, events "
               "or json)\n",
               args.format);
    return false;
  }
  return true;
}

bool outputs_need_history(const OutputArgs& args, InputForm form) {
  const auto requested = parse_format(args.format);
  assert(requested.has_value());
  return !args.history.empty() || args.debug ||
         resolve_format(*requested, form) == OutputFormat::kJson;
}

int emit_outcome(const History& h, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble) {
  return emit_outcome(ExecutionRecord(h), facts, args, timeline, preamble);
}

int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble) {
  const OutputFormat format = resolve_format(*parse_format(args.format), r.scenario().form);
  assert(r.has_history() || !outputs_need_history(args, r.scenario().form));
  const bool results_to_stdout_only = args.output == "-";
  const std::string results = results_text(r, facts, format);
  std::string error;
  if (!args.output.empty() && !results_to_stdout_only &&
      !write_file_atomically(args.output, results, &error)) {
    fmt::print(stderr, "banksim: {}\n", error);
    return kExitBadInput;
  }
  if (!args.history.empty() &&
      !write_file_atomically(args.history, history_json(r.history()).dump(2) + "\n", &error)) {
    fmt::print(stderr, "banksim: {}\n", error);
    return kExitBadInput;
  }
  if (results_to_stdout_only) {
    std::fputs(results.c_str(), stdout);
  } else {
    std::string out = preamble;
    if (!timeline.empty()) out += "timeline:\n" + timeline + "\n";
    out += summary_text(r, facts);
    if (args.debug) {
      out += "write sets per branch:\n" + write_sets_json(r.history()).dump(2) + "\n";
    }
    out += "\n" + property_table(r, facts);
    if (args.output.empty()) {
      out += fmt::format("\nresults ({} format):\n{}", format_name(format), results);
    } else {
      out += fmt::format("\nresults written to {}\n", args.output);
    }
    std::fputs(out.c_str(), stdout);
  }
  return facts.violations.empty() ? kExitOk : kExitViolation;
}

}  // namespace banksim
