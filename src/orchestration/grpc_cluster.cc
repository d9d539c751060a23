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

// Makes a private directory "banksim-grpc-XXXXXX" in the temporary directory.
bool make_private_dir(std::string* dir, std::string* error) {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "banksim-grpc-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    *error = fmt::format("cannot create a temporary directory in {}",
                         std::filesystem::temp_directory_path().string());
    return false;
  }
  *dir = dir_template;
  return true;
}

}  // namespace

GrpcCluster::~GrpcCluster() {
  processes_.stop_all();  // nobody writes in the directory any more
  if (private_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(private_dir_, ec);
}

std::unique_ptr<GrpcCluster> GrpcCluster::start(const Scenario& scenario, ProtocolKind protocol,
                                                const GrpcTimeouts& timeouts, std::string* error,
                                                bool durable, int64_t retransmit_ms) {
  std::unique_ptr<GrpcCluster> c(new GrpcCluster());
  c->retransmit_ms_ = retransmit_ms;
  c->layout_ = make_layout(scenario, protocol);
  c->timeouts_ = timeouts;
  // The scenario the children load (and load again on a restart), and their data directory.
  if (!make_private_dir(&c->private_dir_, error)) return nullptr;
  const std::string scenario_path = c->private_dir_ + "/scenario.json";
  {
    std::ofstream out(scenario_path, std::ios::binary | std::ios::trunc);
    out << scenario_to_json(scenario).dump() << "\n";
    out.flush();
    if (!out) {
      *error = fmt::format("cannot write {}", scenario_path);
      return nullptr;
    }
  }
  if (durable) {
    c->data_dir_ = c->private_dir_ + "/data";
    std::error_code ec;
    if (!std::filesystem::create_directory(c->data_dir_, ec)) {
      *error = fmt::format("cannot create {}: {}", c->data_dir_, ec.message());
      return nullptr;
    }
  }
  c->exe_ = self_executable();
  for (int32_t b = 0; b < scenario.branch_count(); ++b) {
    std::vector<std::string> args = {"serve",
                                     "--branch",
                                     std::to_string(scenario.branches[static_cast<size_t>(b)].id),
                                     "--scenario",
                                     scenario_path,
                                     "--protocol",
                                     std::string(protocol_name(protocol)),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--rpc-timeout-ms",
                                     std::to_string(timeouts.rpc_ms)};
    if (durable) {
      args.push_back("--data-dir");
      args.push_back(c->data_dir_);
    }
    if (!c->processes_.spawn(c->layout_->actor_name(b), c->exe_, args, error)) return nullptr;
    c->spawn_args_.push_back(std::move(args));
  }
  // Starting a process and gRPC takes a moment (much longer under a sanitizer on a busy
  // machine); allow at least ten seconds for it, plus 100 ms per branch: the processes start
  // together on few cores (256 branches on the loaded 2-core VM: 13 s until all listened).
  // Start-up only: not the per-step timeout.
  c->startup_ms_ =
      std::max<int64_t>(timeouts.idle_ms, 10000) + 100 * int64_t{scenario.branch_count()};
  if (!c->processes_.read_addresses(c->startup_ms_, &c->addresses_, error)) {
    return nullptr;
  }
  // A restart listens where the branch listened: its peers and clients know that address.
  for (size_t b = 0; b < c->spawn_args_.size(); ++b) {
    auto& args = c->spawn_args_[b];
    *std::find(args.begin(), args.end(), "127.0.0.1:0") = c->addresses_[b];
  }
  return c;
}

void GrpcCluster::kill_branch(int32_t b) {
  processes_.kill_one(static_cast<size_t>(b));
}

bool GrpcCluster::restart_branch(int32_t b, std::string* error) {
  const size_t i = static_cast<size_t>(b);
  std::string address;
  if (!processes_.respawn(i, exe_, spawn_args_.at(i), startup_ms_, &address, error)) {
    return false;
  }
  if (address != addresses_[i]) {
    *error = fmt::format("{} came back on {}, not on {}", layout_->actor_name(b), address,
                         addresses_[i]);
    return false;
  }
  return !configured_ || configure_one(b, error);
}

bool GrpcCluster::configure(const std::string& driver, bool conducted, std::string* error) {
  driver_ = driver;
  conducted_ = conducted;
  configured_ = true;
  for (int32_t b = 0; b < layout_->branch_count(); ++b) {
    if (!configure_one(b, error)) return false;
  }
  return true;
}

bool GrpcCluster::configure_one(int32_t b, std::string* error) {
  NodeConfiguration mine;
  mine.driver = driver_;
  mine.conducted = conducted_;
  mine.rpc_timeout_ms = timeouts_.rpc_ms;
  mine.retransmit_ms = retransmit_ms_;
  mine.peers = addresses_;
  mine.peers[static_cast<size_t>(b)].clear();
  if (conducted_) mine.peers.assign(addresses_.size(), "");
  BranchClient client(
      fmt::format("{} at {}", layout_->actor_name(b), addresses_[static_cast<size_t>(b)]),
      addresses_[static_cast<size_t>(b)], timeouts_.rpc_ms);
  return client.configure(mine, error);
}

std::optional<std::string> GrpcCluster::failure() {
  if (const int sig = InterruptWatch::caught(); sig != 0) {
    return fmt::format("interrupted by signal {} ({})", sig, ::strsignal(sig));
  }
  return processes_.exited();
}

}  // namespace banksim
