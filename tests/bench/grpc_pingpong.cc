// banksim_grpc_pingpong: the cost of one message on banksim's gRPC links, with no
// protocol on top. Two processes, each a LinkEngine (one completion-queue thread) with a
// link stream (Outbox) to the other; one envelope-sized message goes back and forth
// --round-trips times. Prints wall time per round trip and CPU time (both processes, user +
// system) per message: the floor under every `banksim run --backend grpc` figure on the
// machine at hand (tools/bench prints it next to them).
//
//   banksim_grpc_pingpong [--round-trips N]      # parent: starts the echo child itself
//   banksim_grpc_pingpong --echo PORT            # child: answers every message (internal)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/link_engine.h"
#include "grpc/outbox.h"

namespace {

using banksim::InboundStreams;
using banksim::LinkEngine;
using banksim::Outbox;

std::atomic<bool> g_finishing{false};

// About the size of a serialized request Envelope.
const std::string kPayload(40, 'x');

// A node: a server whose link stream hands each batch to `on_batch`, and an outbox to the
// other node.
class Node {
 public:
  explicit Node(InboundStreams::HandleFn on_batch) : on_batch_(std::move(on_batch)) {}
  ~Node() {
    if (outbox_ != nullptr) outbox_->stop();
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    engine_.stop();
  }
  int listen() {
    int port = 0;
    server_ = engine_.serve("127.0.0.1:0", &service_, &port);
    if (server_ == nullptr) return 0;
    InboundStreams::listen(&engine_, &service_,
                           &banksim::wire::BranchService::AsyncService::RequestStream, on_batch_);
    engine_.run();
    return port;
  }
  void connect(int port) {
    outbox_ = std::make_unique<Outbox>(
        "peer", &engine_,
        banksim::link_stream<banksim::wire::BranchService>("127.0.0.1:" + std::to_string(port)),
        [](const std::string& m) {
          if (g_finishing.load()) return;  // the other process was stopped on purpose
          std::fprintf(stderr, "banksim_grpc_pingpong: %s\n", m.c_str());
          std::_Exit(1);
        });
  }
  void send() {
    outbox_->push(kPayload);
    outbox_->flush();
  }

 private:
  InboundStreams::HandleFn on_batch_;
  banksim::wire::BranchService::AsyncService service_;
  LinkEngine engine_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Outbox> outbox_;
};

// This process's user + system CPU time.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Answers every message until killed.
int echo(int peer_port) {
  Node* self = nullptr;
  Node node([&](const banksim::wire::Batch& b) {
    for (int i = 0; i < b.envelopes_size(); ++i) self->send();
    return grpc::Status::OK;
  });
  self = &node;
  const int port = node.listen();
  if (port == 0) return 1;
  node.connect(peer_port);
  std::printf("%d\n", port);
  std::fflush(stdout);
  for (;;) pause();
}

int drive(const char* exe, long round_trips) {
  Node* self = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  long answered = 0;
  Node node([&](const banksim::wire::Batch& b) {
    std::lock_guard lock(mu);
    answered += b.envelopes_size();
    if (answered < round_trips) {
      self->send();
    } else {
      cv.notify_all();
    }
    return grpc::Status::OK;
  });
  self = &node;
  const int port = node.listen();
  if (port == 0) return 1;
  int out[2];
  if (pipe(out) != 0) return 1;
  const std::string port_arg = std::to_string(port);
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(exe, exe, "--echo", port_arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  char buf[32] = {};
  const ssize_t n = read(out[0], buf, sizeof(buf) - 1);
  close(out[0]);
  if (n <= 0) {
    std::fprintf(stderr, "banksim_grpc_pingpong: the echo process did not start\n");
    return 1;
  }
  node.connect(std::atoi(buf));
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mu);
    self->send();
    cv.wait(lock, [&] { return answered >= round_trips; });
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_self = cpu_seconds() - cpu0;
  // The echo child's CPU so far, from /proc, before it is stopped (its start-up is a
  // small share of it at tens of thousands of round trips).
  int status = 0;
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(child));
  double cpu_child = 0;
  if (FILE* f = std::fopen(path, "r")) {
    unsigned long ut = 0, st = 0;
    // Fields 14 and 15 (utime, stime) after "pid (comm) state ..."
    if (std::fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) ==
        2) {
      cpu_child = static_cast<double>(ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::fclose(f);
  }
  g_finishing = true;
  kill(child, SIGTERM);
  waitpid(child, &status, 0);
  const double messages = 2.0 * static_cast<double>(round_trips);
  std::printf(
      "%ld round trips: %.1f us per round trip; CPU per message %.1f us (this process "
      "%.1f us, echo process %.1f us incl. its start-up)\n",
      round_trips, wall * 1e6 / static_cast<double>(round_trips),
      (cpu_self + cpu_child) * 1e6 / messages, cpu_self * 1e6 / messages,
      cpu_child * 1e6 / messages);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--echo") == 0) return echo(std::atoi(argv[2]));
  long round_trips = 20000;
  if (argc == 3 && std::strcmp(argv[1], "--round-trips") == 0) {
    round_trips = std::atol(argv[2]);
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: banksim_grpc_pingpong [--round-trips N]\n");
    return 2;
  }
  if (round_trips <= 0) {
    std::fprintf(stderr, "banksim_grpc_pingpong: --round-trips must be positive\n");
    return 2;
  }
  return drive("/proc/self/exe", round_trips);
}
