#include "cli/outcome.h"

#include <cassert>
#include <cstdio>

#include <fmt/format.h>

#include "cli/exit_status.h"
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
               "Print a step-by-step timeline (message ids, held requests), the write sets "
               "and all events per branch (seed 002's sanity checks); with '-o -' these go to "
               "stderr");
  cmd.add_flag("-q,--quiet", args.quiet,
               "Print only the verdicts (the property table): no summary, no results");
  cmd.add_option("--summary-max", args.summary_max,
                 fmt::format("Events the summary lists (default {}; 0: all). Output files "
                             "always hold every event",
                             kSummaryMaxDefault));
}

Status check_output_flags(const OutputArgs& args) {
  if (!parse_format(args.format)) {
    return Error{fmt::format(
        "--format: unknown format \"{}\" (expected auto, recv, balance, events or json)",
        args.format)};
  }
  if (args.quiet && args.debug) {
    return Error{"-q: prints only the verdicts; it cannot go with --debug"};
  }
  if (args.quiet && args.output == "-") {
    return Error{"-q: does not apply with '-o -' (stdout holds the results alone)"};
  }
  if (args.summary_max && (args.quiet || args.output == "-")) {
    return Error{fmt::format("--summary-max: does not apply with {} (no summary is printed)",
                             args.quiet ? "-q" : "'-o -'")};
  }
  return {};
}

bool validate_output_flags(const OutputArgs& args) {
  const Status checked = check_output_flags(args);
  if (!checked.ok()) report_error(checked.error());
  return checked.ok();
}

bool outputs_need_history(const OutputArgs& args, InputForm form) {
  const auto requested = parse_format(args.format);
  assert(requested.has_value());
  return !args.history.empty() || args.debug ||
         resolve_format(*requested, form) == OutputFormat::kJson;
}

namespace {

// The seed formats list answered events only: say so when some were not answered
// because the execution ended first.
std::string unanswered_note(const ExecutionRecord& r) {
  uint64_t unanswered = 0;
  for (const auto& events : r.outcomes()) {
    for (const EventOutcome& o : events) unanswered += o.answered ? 0 : 1;
  }
  if (unanswered == 0) return "";
  return fmt::format(
      "({} event{} without a reply: the execution ended before quiescence; the "
      "summary says where each stood)\n",
      unanswered, unanswered == 1 ? "" : "s");
}

}  // namespace

Status plan_output_files(const OutputArgs& args, OutputPlan& plan) {
  if (!args.output.empty() && args.output != "-") {
    if (Status added = plan.add("-o", args.output); !added.ok()) return added;
  }
  if (!args.history.empty()) return plan.add("--history", args.history);
  return {};
}

bool plan_outputs(const OutputArgs& args, OutputPlan* plan) {
  const Status planned = plan_output_files(args, *plan);
  if (!planned.ok()) report_error(planned.error());
  return planned.ok();
}

int emit_outcome(const History& h, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble) {
  return emit_outcome(ExecutionRecord(h), facts, args, timeline, preamble);
}

int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble) {
  OutputPlan plan;
  if (Status planned = plan_output_files(args, plan); !planned.ok()) {
    return report_error(planned.error());
  }
  return emit_outcome(r, facts, args, timeline, preamble, plan);
}

int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble, OutputPlan& plan,
                 const std::string& withheld) {
  const OutputFormat format = resolve_format(*parse_format(args.format), r.scenario().form);
  assert(r.has_history() || !outputs_need_history(args, r.scenario().form));
  const bool results_to_stdout_only = args.output == "-";
  const std::string results = results_text(r, facts, format);
  if (!args.output.empty() && !results_to_stdout_only) plan.set(args.output, results);
  if (!args.history.empty()) plan.set(args.history, history_json(r.history()).dump(2) + "\n");
  if (withheld.empty()) {
    if (Status written = plan.commit(); !written.ok()) return report_error(written.error());
  }
  std::string debug_text;
  if (args.debug) {
    debug_text += "write sets per branch:\n" + write_sets_json(r.history()).dump(2) + "\n";
    debug_text += "all events per branch:\n" + events_per_branch_json(r.history()).dump(2) + "\n";
  }
  if (results_to_stdout_only) {
    // stdout holds the results alone; what --debug asked for goes to stderr.
    if (args.debug) {
      std::string err;
      if (!timeline.empty()) err += "timeline:\n" + timeline + "\n";
      err += debug_text;
      std::fputs(err.c_str(), stderr);
    }
    std::fputs(results.c_str(), stdout);
  } else if (args.quiet) {
    std::fputs(property_table(r, facts).c_str(), stdout);
  } else {
    std::string out = preamble;
    if (!timeline.empty()) out += "timeline:\n" + timeline + "\n";
    out += summary_text(r, facts, args.summary_max.value_or(kSummaryMaxDefault));
    out += debug_text;
    out += "\n" + property_table(r, facts);
    if (args.output.empty()) {
      out += fmt::format("\nresults ({} format):\n{}", format_name(format), results);
      if (!r.quiescent() && format != OutputFormat::kJson) out += unanswered_note(r);
    } else if (withheld.empty()) {
      out += fmt::format("\nresults written to {}\n", args.output);
    } else {
      out += fmt::format("\nresults not written to {}: {}\n", args.output, withheld);
    }
    std::fputs(out.c_str(), stdout);
  }
  return facts.violations.empty() ? kExitOk : kExitViolation;
}

}  // namespace banksim
