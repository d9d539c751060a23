// `banksim serve` with the gRPC backend: loads the scenario, hosts one BranchNode, prints
// "listening on HOST:PORT" once it accepts messages, and serves until SIGINT/SIGTERM/SIGHUP.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/grpc_options.h"
#include "cli/settings.h"
#include "grpc/branch_node.h"
#include "grpc/durable_store.h"
#include "grpc/node_config.h"
#include "orchestration/grpc_cluster.h"
#include "sim/scenario.h"

namespace banksim {

namespace {

int bad(const std::string& message) {
  fmt::print(stderr, "banksim serve: {}\n", message);
  return kExitBadInput;
}

// "2=127.0.0.1:5002,3=127.0.0.1:5003" -> peers by branch index.
bool parse_peers(const std::string& spec, const Scenario& s, int32_t self,
                 std::vector<std::string>* peers, std::string* error) {
  peers->assign(s.branches.size(), "");
  size_t start = 0;
  while (start < spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    const std::string item = spec.substr(start, end - start);
    start = end + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      *error = fmt::format("--peers: \"{}\" is not ID=HOST:PORT", item);
      return false;
    }
    const std::string id = item.substr(0, eq);
    int32_t index = -1;
    for (int32_t b = 0; b < s.branch_count(); ++b) {
      if (std::to_string(s.branches[static_cast<size_t>(b)].id) == id) index = b;
    }
    std::string host;
    int port = 0;
    if (index < 0 || index == self) {
      *error = fmt::format("--peers: \"{}\": {} is not another branch of the scenario", item, id);
      return false;
    }
    if (!split_host_port(item.substr(eq + 1), &host, &port) || port == 0) {
      *error = fmt::format("--peers: \"{}\": the address is not HOST:PORT", item);
      return false;
    }
    (*peers)[static_cast<size_t>(index)] = item.substr(eq + 1);
  }
  return true;
}

static_assert(kExitThreadFailure == kExitBackendFailed);
static_assert(kExitDurableWriteFailed == kExitIo);

int serve_unguarded(const ServeArgs& args) {
  auto loaded = load_scenario_file(args.scenario);
  if (!loaded.ok()) return bad(loaded.error().message);
  const Scenario& s = loaded.value();
  ProtocolKind protocol = s.protocol.value_or(default_protocol(s));
  if (!args.protocol.empty()) {
    const auto p = parse_protocol(args.protocol);
    if (!p) {
      return bad(
          fmt::format("--protocol: unknown protocol \"{}\" (expected sync, async, "
                      "session or robust)",
                      args.protocol));
    }
    protocol = *p;
  }
  int32_t self = -1;
  std::string ids;
  for (int32_t b = 0; b < s.branch_count(); ++b) {
    if (s.branches[static_cast<size_t>(b)].id == args.branch) self = b;
    ids += (ids.empty() ? "" : ", ") + std::to_string(s.branches[static_cast<size_t>(b)].id);
  }
  if (self < 0) {
    return bad(fmt::format("--branch {}: {} has no such branch (its branches: {})", args.branch,
                           args.scenario, ids));
  }
  std::string host;
  int port = 0;
  if (!split_host_port(args.listen, &host, &port)) {
    return bad(fmt::format("--listen {}: expected HOST:PORT with PORT in 0..65535", args.listen));
  }
  if (!is_loopback_host(host) && !args.allow_remote) {
    return bad(
        fmt::format("--listen {}: {} is not a loopback address; messages are not "
                    "authenticated, so listening elsewhere needs --allow-remote",
                    args.listen, host));
  }
  const bool static_config = !args.peers.empty() || !args.driver.empty() || args.conducted;
  NodeConfiguration config;
  if (static_config) {
    std::string error;
    if (args.driver.empty() && !args.conducted) {
      return bad("--peers needs --driver (who hosts the customers)");
    }
    if (!parse_peers(args.peers, s, self, &config.peers, &error)) return bad(error);
    config.driver = args.driver;
    config.conducted = args.conducted;
    config.rpc_timeout_ms = args.rpc_timeout_ms;
  }

  // Signals are taken by sigwait below; block them before gRPC starts its threads, which
  // inherit the mask. A closed stdout must not kill the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const std::shared_ptr<const BankLayout> layout = make_layout(s, protocol);
  // The durable state, checked and claimed before anything listens: a directory that is
  // missing, unwritable, or holds another bank's or a corrupt state is bad input.
  std::unique_ptr<DurableStore> store;
  std::optional<BranchDurable> restored;
  if (!args.data_dir.empty()) {
    const DurableIdentity identity{
        .scenario_hash = durable_scenario_hash(scenario_to_json(s).dump()),
        .branch_id = args.branch,
        .branch_index = self,
        .protocol = std::string(protocol_name(protocol))};
    std::string error;
    store = DurableStore::open(args.data_dir, identity, *layout, self, &restored, &error);
    if (store == nullptr) return bad(error);
  }
  BranchNode node(layout, self, std::move(store), restored);
  std::string error;
  int bound = 0;
  if (!node.start(args.listen, &bound, &error)) {
    fmt::print(stderr, "banksim serve: {}\n", error);
    return kExitBackendFailed;
  }
  if (static_config && !node.configure(config, &error)) return bad(error);
  std::printf("banksim serve: %s (%s) listening on %s:%d\n", node.name().c_str(),
              std::string(protocol_name(protocol)).c_str(), host.c_str(), bound);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  node.shutdown();
  return kExitOk;
}

}  // namespace

int serve_command(const ServeArgs& args) {
  return exit_on_resource_failure(fmt::format("banksim serve: branch {}", args.branch),
                                  [&] { return serve_unguarded(args); });
}

}  // namespace banksim
