#include "orchestration/grpc_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "grpc/branch_client.h"
#include "orchestration/self_process.h"

namespace banksim {

namespace {

// A private directory holding the scenario the children load; removed when done.
class TempScenario {
 public:
  bool write(const Scenario& s, std::string* error) {
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "banksim-grpc-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr) {
      *error = fmt::format("cannot create a temporary directory in {}",
                           std::filesystem::temp_directory_path().string());
      return false;
    }
    dir_ = dir_template;
    path_ = dir_ + "/scenario.json";
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << scenario_to_json(s).dump() << "\n";
    out.flush();
    if (!out) {
      *error = fmt::format("cannot write {}", path_);
      return false;
    }
    return true;
  }
  const std::string& path() const { return path_; }
  ~TempScenario() {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace

std::unique_ptr<GrpcCluster> GrpcCluster::start(const Scenario& scenario, ProtocolKind protocol,
                                                const GrpcTimeouts& timeouts, std::string* error) {
  std::unique_ptr<GrpcCluster> c(new GrpcCluster());
  c->layout_ = make_layout(scenario, protocol);
  c->timeouts_ = timeouts;
  TempScenario file;
  if (!file.write(scenario, error)) return nullptr;
  const std::string exe = self_executable();
  for (int32_t b = 0; b < scenario.branch_count(); ++b) {
    const std::vector<std::string> args = {
        "serve",
        "--branch",
        std::to_string(scenario.branches[static_cast<size_t>(b)].id),
        "--scenario",
        file.path(),
        "--protocol",
        std::string(protocol_name(protocol)),
        "--listen",
        "127.0.0.1:0",
        "--rpc-timeout-ms",
        std::to_string(timeouts.rpc_ms)};
    if (!c->processes_.spawn(c->layout_->actor_name(b), exe, args, error)) return nullptr;
  }
  // Starting a process and gRPC takes a moment (much longer under a sanitizer on a busy
  // machine); allow at least ten seconds for it, plus 100 ms per branch: the processes start
  // together on few cores (256 branches on the loaded 2-core VM: 13 s until all listened).
  // Start-up only: not the per-step timeout.
  const int64_t startup_ms =
      std::max<int64_t>(timeouts.idle_ms, 10000) + 100 * int64_t{scenario.branch_count()};
  if (!c->processes_.read_addresses(startup_ms, &c->addresses_, error)) {
    return nullptr;
  }
  return c;
}

bool GrpcCluster::configure(const std::string& driver, bool conducted, std::string* error) {
  NodeConfiguration config;
  config.driver = driver;
  config.conducted = conducted;
  config.rpc_timeout_ms = timeouts_.rpc_ms;
  config.peers = addresses_;
  for (int32_t b = 0; b < layout_->branch_count(); ++b) {
    NodeConfiguration mine = config;
    mine.peers[static_cast<size_t>(b)].clear();
    if (conducted) mine.peers.assign(addresses_.size(), "");
    BranchClient client(
        fmt::format("{} at {}", layout_->actor_name(b), addresses_[static_cast<size_t>(b)]),
        addresses_[static_cast<size_t>(b)], timeouts_.rpc_ms);
    if (!client.configure(mine, error)) return false;
  }
  return true;
}

std::optional<std::string> GrpcCluster::failure() {
  if (const int sig = InterruptWatch::caught(); sig != 0) {
    return fmt::format("interrupted by signal {} ({})", sig, ::strsignal(sig));
  }
  return processes_.exited();
}

}  // namespace banksim
