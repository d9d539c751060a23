#include "cli/serve_command.h"

namespace banksim {

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run one branch as its own process (gRPC). Prints one line on stdout once it accepts "
      "messages, 'banksim serve: branch ID (PROTOCOL) listening on HOST:PORT' (the address "
      "is the last word), then serves until SIGINT/SIGTERM/SIGHUP. Peers and the driver are "
      "given by --peers/--driver, or later by the Configure RPC ('run --backend grpc' does "
      "that).\nExit status 0 when stopped by a signal, 3 (backend failed) when it cannot "
      "listen.");
  cmd->add_option("--branch", args.branch, "Id of the branch to run (as in the scenario)")
      ->required();
  cmd->add_option("--scenario", args.scenario, "Scenario JSON (any seed input form)")->required();
  cmd->add_option("--protocol", args.protocol,
                  "Replication protocol: sync, async, session or robust (default: the scenario's, "
                  "else session for inputs with dest or branch, else sync); every process of a "
                  "bank must use the same");
  cmd->add_option("--listen", args.listen,
                  "HOST:PORT to listen on; port 0 lets the OS choose (default 127.0.0.1:0). "
                  "Loopback only unless --allow-remote");
  cmd->add_flag("--allow-remote", args.allow_remote,
                "Allow --listen on a non-loopback address (messages are not authenticated)");
  cmd->add_option("--peers", args.peers,
                  "The other branches as ID=HOST:PORT,ID=HOST:PORT (with --driver)");
  cmd->add_option("--driver", args.driver,
                  "HOST:PORT of the driver that hosts the customers and collects the history "
                  "(with --peers)");
  cmd->add_flag("--conducted", args.conducted,
                "Return each step's messages to the caller instead of sending them (replay)");
  cmd->add_option("--rpc-timeout-ms", args.rpc_timeout_ms,
                  "Deadline of every outgoing RPC in milliseconds (default 2000)")
      ->check(CLI::Range(int64_t{1}, int64_t{600'000}));
  cmd->add_option("--data-dir", args.data_dir,
                  "Existing writable directory for the branch's durable state "
                  "(DIR/branch-ID.durable, checksummed, fsync'd before any reply or send that "
                  "depends on it); a branch started on it again comes back from that state");
  return cmd;
}

}  // namespace banksim
